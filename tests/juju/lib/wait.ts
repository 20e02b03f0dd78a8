// Bounded polling: ask again every interval until a condition holds, give up at a deadline.
// No fixed sleeps anywhere in the suite: every wait is one of these.
import type { Alarm, Condition } from './conditions.ts';
import type { JujuStatus } from './status.ts';

/** Time, injectable so the polling logic is tested without waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The wall clock. */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** What one probe found: ready (with a value), not yet (and why), or a reason to stop now. */
export type Verdict<T> =
  | { readonly state: 'ready'; readonly value: T }
  | { readonly state: 'waiting'; readonly reason: string }
  | { readonly state: 'failed'; readonly reason: string };

/** How long and how often to poll. */
export interface PollOptions {
  /** What is awaited, for the error message ("tinyproxy/0 active"). */
  readonly what: string;
  readonly timeoutMs: number;
  readonly intervalMs: number;
  /** Consecutive ready probes needed (default 1); a flapping status must settle. */
  readonly successes?: number;
  readonly clock?: Clock;
}

/** Thrown when a wait gives up: the deadline passed, or a probe said to stop. */
export class WaitError extends Error {
  override readonly name = 'WaitError';
}

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10}s`;

/**
 * Probes until it is ready `successes` times in a row and returns the last value. A probe that
 * throws counts as "not yet" (a juju command can fail transiently). Throws WaitError with the
 * last reason when a probe fails or when the next probe would start after the deadline.
 */
export async function pollUntil<T>(probe: () => Promise<Verdict<T>>, options: PollOptions): Promise<T> {
  const clock = options.clock ?? realClock;
  const needed = options.successes ?? 1;
  const deadline = clock.now() + options.timeoutMs;
  let streak = 0;
  let reason = 'never probed';
  for (;;) {
    let verdict: Verdict<T>;
    try {
      verdict = await probe();
    } catch (error) {
      verdict = { state: 'waiting', reason: `probe failed: ${(error as Error).message}` };
    }
    if (verdict.state === 'failed') throw new WaitError(`${options.what}: gave up: ${verdict.reason}`);
    if (verdict.state === 'ready') {
      streak += 1;
      if (streak >= needed) return verdict.value;
    } else {
      streak = 0;
      reason = verdict.reason;
    }
    if (clock.now() + options.intervalMs > deadline) {
      throw new WaitError(`${options.what}: not reached within ${seconds(options.timeoutMs)}; last: ${reason}`);
    }
    await clock.sleep(options.intervalMs);
  }
}

/** Options of waitForStatus. */
export interface StatusWaitOptions extends PollOptions {
  /** Stop at once when this fires (e.g. a unit in error). */
  readonly alarm?: Alarm;
  /** Appended to a failure message: the last status, described. */
  readonly describe?: (status: JujuStatus) => string;
}

/** Reads `juju status` until `condition` holds (`successes` times in a row); returns that status. */
export async function waitForStatus(read: () => Promise<JujuStatus>, condition: Condition, options: StatusWaitOptions): Promise<JujuStatus> {
  let last: JujuStatus | undefined;
  const withLast = (reason: string): string =>
    last !== undefined && options.describe !== undefined ? `${reason}\n  ${options.describe(last)}` : reason;
  return pollUntil<JujuStatus>(async () => {
    const status = await read();
    last = status;
    const alarm = options.alarm?.(status);
    if (alarm !== undefined) return { state: 'failed', reason: withLast(alarm) };
    const reason = condition(status);
    return reason === undefined ? { state: 'ready', value: status } : { state: 'waiting', reason: withLast(reason) };
  }, options);
}

/**
 * An alarm that fires only once `alarm` has kept firing for `graceMs`: Juju retries a failed hook
 * (after 5 s, 10 s, 20 s, ...), so a transient error may clear by itself.
 */
export function persistentAlarm(alarm: Alarm, graceMs: number, clock: Clock = realClock): Alarm {
  let since: number | undefined;
  return (status) => {
    const reason = alarm(status);
    if (reason === undefined) {
      since = undefined;
      return undefined;
    }
    since ??= clock.now();
    return clock.now() - since >= graceMs ? `${reason} (for ${seconds(clock.now() - since)})` : undefined;
  };
}
