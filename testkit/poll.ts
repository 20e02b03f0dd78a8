// The tests' one way to wait: ask again every interval until a condition holds, give up at a
// deadline with an error naming what was awaited and what the last look saw. No fixed sleeps.

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
 * throws counts as "not yet". Throws WaitError with the last reason when a probe fails or when
 * the next probe would start after the deadline.
 */
export async function pollUntil<T>(probe: () => Promise<Verdict<T>> | Verdict<T>, options: PollOptions): Promise<T> {
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

/**
 * Checks until `check` returns true (a string is the reason it is not yet, for the timeout
 * error); returns how long that took. Throws WaitError naming `what` after `timeoutMs`.
 */
export async function waitUntil(what: string, check: () => Promise<boolean | string> | boolean | string, timeoutMs: number, intervalMs = 25): Promise<number> {
  const started = Date.now();
  await pollUntil<true>(
    async () => {
      const result = await check();
      return result === true ? { state: 'ready', value: true } : { state: 'waiting', reason: result === false ? 'not yet' : result };
    },
    { what, timeoutMs, intervalMs },
  );
  return Date.now() - started;
}

/** Resolves true when `p` settles within `ms`, false otherwise (the timer is cleared either way). */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      p.then(
        () => true as const,
        () => true as const,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
