// Bounded polling: ask again every interval until a condition holds, give up at a deadline.
// No fixed sleeps anywhere in the suite: every wait is one of these.
import type { Alarm, Condition } from './conditions.ts';
import { type JujuStatus, unitsOf } from './status.ts';

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
export type Verdict<T> = { readonly state: 'ready'; readonly value: T } | { readonly state: 'waiting'; readonly reason: string } | { readonly state: 'failed'; readonly reason: string };

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
  const withLast = (reason: string): string => (last !== undefined && options.describe !== undefined ? `${reason}\n  ${options.describe(last)}` : reason);
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
 * The "fail fast on error" alarm of a wait: fires once a unit of `app` shows a hook error and
 * has not recovered for `graceMs`. Juju retries a failed hook (after 5 s, then twice as long each
 * time, at most 5 min apart), and during each retry the unit leaves the error state (agent
 * executing, the workload's last status), so a poll that sees no error proves nothing: a hook
 * that keeps failing would never stay in error for a whole grace period. Recovery is a unit seen
 * with its agent idle and no error (a retry that succeeded, or `juju resolve`); the grace runs
 * from the first error seen since, and the alarm fires on a poll that sees the error again.
 */
export function hookErrorAlarm(app: string, graceMs: number, clock: Clock = realClock): Alarm {
  const failing = new Map<string, { since: number; episodes: number; inError: boolean }>();
  return (status) => {
    const now = clock.now();
    const units = unitsOf(status, app);
    for (const name of failing.keys()) if (!units.some((unit) => unit.name === name)) failing.delete(name);
    const fired: string[] = [];
    for (const unit of units) {
      const error = unit.workload.current === 'error' ? unit.workload.message : unit.agent.current === 'error' ? unit.agent.message : undefined;
      const tracked = failing.get(unit.name);
      if (error === undefined) {
        if (tracked === undefined) continue;
        if (unit.agent.current === 'idle') failing.delete(unit.name);
        else tracked.inError = false;
        continue;
      }
      const entry = tracked ?? { since: now, episodes: 0, inError: false };
      if (!entry.inError) entry.episodes += 1;
      entry.inError = true;
      failing.set(unit.name, entry);
      if (now - entry.since >= graceMs) {
        fired.push(`${unit.name} is in error: '${error}' (first seen ${seconds(now - entry.since)} ago, ${entry.episodes} time(s): Juju's retries did not clear it)`);
      }
    }
    return fired.length > 0 ? fired.join('; ') : undefined;
  };
}
