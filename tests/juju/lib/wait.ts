// Waits on `juju status`, built on testkit's poll with a deadline: no fixed sleeps anywhere in
// the suite.
import { type Clock, type PollOptions, pollUntil, realClock } from '../../../testkit/poll.ts';
import type { Alarm, Condition } from './conditions.ts';
import { type JujuStatus, unitsOf } from './status.ts';

export { type Clock, type PollOptions, pollUntil, realClock, type Verdict, WaitError } from '../../../testkit/poll.ts';

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10}s`;

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
