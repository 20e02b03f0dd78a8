// The bounded polls, on a fake clock: a sequence of recorded-style status documents stands in
// for successive `juju status --format=json` calls.
import { describe, expect, it } from 'vitest';
import { fixture } from './fixture.ts';
import { unitsInError, unitsSettled } from './lib/conditions.ts';
import { describeApp, type JujuStatus } from './lib/status.ts';
import { type Clock, hookErrorAlarm, pollUntil, type Verdict, WaitError, waitForStatus } from './lib/wait.ts';

/** A clock whose sleep only moves time forward (and counts the sleeps). */
function fakeClock(): Clock & { slept: number[] } {
  let now = 1_000_000;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

/** A status reader that returns the named fixtures in turn, then the last one forever. */
function reader(...names: string[]): { read: () => Promise<JujuStatus>; calls: () => number } {
  let calls = 0;
  const documents = names.map(fixture);
  return {
    read: async () => documents[Math.min(calls++, documents.length - 1)] ?? fixture('active'),
    calls: () => calls,
  };
}

const active = unitsSettled('tinyproxy', { workload: 'active', units: 1 });

describe('waitForStatus', () => {
  it('polls through a deploy until active holds 3 times in a row, sleeping the interval between reads', async () => {
    const clock = fakeClock();
    const { read, calls } = reader('deploying', 'installing', 'active', 'active', 'active');
    const status = await waitForStatus(read, active, { what: 'active', timeoutMs: 600_000, intervalMs: 2000, successes: 3, clock });
    expect(status.apps.tinyproxy?.version).toBe('1.11.1');
    expect(calls()).toBe(5);
    expect(clock.slept).toEqual([2000, 2000, 2000, 2000]);
  });

  it('restarts the count when the condition stops holding (a flapping status must settle)', async () => {
    const clock = fakeClock();
    const { read, calls } = reader('active', 'active', 'installing', 'active', 'active', 'active');
    await waitForStatus(read, active, { what: 'active', timeoutMs: 600_000, intervalMs: 1000, successes: 3, clock });
    expect(calls()).toBe(6);
  });

  it('gives up at the deadline with the last reason and the described status', async () => {
    const clock = fakeClock();
    const { read, calls } = reader('deploying', 'installing');
    const wait = waitForStatus(read, active, {
      what: 'every tinyproxy unit active',
      timeoutMs: 10_000,
      intervalMs: 2000,
      clock,
      describe: (status) => describeApp(status, 'tinyproxy'),
    });
    await expect(wait).rejects.toThrow(WaitError);
    await expect(wait).rejects.toThrow("every tinyproxy unit active: not reached within 10s; last: tinyproxy/0 is maintenance 'installing charm software', expected active\n  tinyproxy: maintenance");
    // Probes at 0, 2, ..., 10 s: the last one at the deadline, none after it.
    expect(calls()).toBe(6);
    expect(clock.now()).toBe(1_000_000 + 10_000);
  });

  it('stops at once when the alarm fires (a unit in error)', async () => {
    const clock = fakeClock();
    const { read, calls } = reader('installing', 'install-error', 'active');
    await expect(waitForStatus(read, active, { what: 'active', timeoutMs: 600_000, intervalMs: 1000, clock, alarm: unitsInError('tinyproxy') })).rejects.toThrow(
      `active: gave up: tinyproxy/0 is in error: 'hook failed: "install"'`,
    );
    expect(calls()).toBe(2);
  });

  it('treats a failing `juju status` as not ready yet, and says so if it never recovers', async () => {
    const clock = fakeClock();
    let calls = 0;
    const read = async (): Promise<JujuStatus> => {
      calls += 1;
      if (calls <= 2) throw new Error('connection refused');
      return fixture('active');
    };
    await expect(waitForStatus(read, active, { what: 'active', timeoutMs: 60_000, intervalMs: 1000, clock })).resolves.toBeDefined();
    const broken = async (): Promise<JujuStatus> => Promise.reject(new Error('connection refused'));
    await expect(waitForStatus(broken, active, { what: 'active', timeoutMs: 5000, intervalMs: 1000, clock })).rejects.toThrow('last: probe failed: connection refused');
  });
});

describe('hookErrorAlarm', () => {
  it("fires once the error has lasted the grace period, although the unit leaves error during each of Juju's retries", () => {
    const clock = fakeClock();
    const alarm = hookErrorAlarm('tinyproxy', 60_000, clock);
    // Juju's retries: error, 5 s later the hook runs again (agent executing), fails; 10 s later again, ...
    const timeline: [number, string][] = [
      [0, 'install-error'],
      [5_000, 'installing'],
      [6_000, 'install-error'],
      [16_000, 'installing'],
      [17_000, 'install-error'],
      [37_000, 'installing'],
    ];
    for (const [at, name] of timeline) {
      void clock.sleep(at - (clock.now() - 1_000_000));
      expect(alarm(fixture(name)), `${name} at ${at} ms`).toBeUndefined();
    }
    void clock.sleep(23_000);
    expect(alarm(fixture('install-error'))).toBe(`tinyproxy/0 is in error: 'hook failed: "install"' (first seen 60s ago, 4 time(s): Juju's retries did not clear it)`);
  });

  it('starts afresh once the unit is seen recovered (agent idle, no error), not when it is only busy', () => {
    const clock = fakeClock();
    const alarm = hookErrorAlarm('tinyproxy', 180_000, clock);
    expect(alarm(fixture('install-error'))).toBeUndefined();
    void clock.sleep(179_000);
    expect(alarm(fixture('active'))).toBeUndefined();
    void clock.sleep(200_000);
    expect(alarm(fixture('install-error'))).toBeUndefined();
    void clock.sleep(100_000);
    expect(alarm(fixture('deploying'))).toBeUndefined(); // not a recovery: the unit is not idle
    void clock.sleep(80_000);
    expect(alarm(fixture('install-error'))).toBe(`tinyproxy/0 is in error: 'hook failed: "install"' (first seen 180s ago, 2 time(s): Juju's retries did not clear it)`);
  });

  it('lets a wait ride out a hook error that Juju retries away', async () => {
    const clock = fakeClock();
    const { read } = reader('installing', 'install-error', 'install-error', 'active', 'active', 'active');
    const alarm = hookErrorAlarm('tinyproxy', 60_000, clock);
    await expect(waitForStatus(read, active, { what: 'active', timeoutMs: 600_000, intervalMs: 5000, successes: 3, clock, alarm })).resolves.toBeDefined();
  });
});

describe('pollUntil', () => {
  it('returns the value of the ready probe, probing no more than needed', async () => {
    const clock = fakeClock();
    const verdicts: Verdict<number>[] = [
      { state: 'waiting', reason: 'not yet' },
      { state: 'ready', value: 42 },
    ];
    let probes = 0;
    await expect(pollUntil(async () => verdicts[probes++] ?? { state: 'failed', reason: 'too many probes' }, { what: 'x', timeoutMs: 10_000, intervalMs: 100, clock })).resolves.toBe(42);
    expect(probes).toBe(2);
  });

  it('probes at least once even with a zero timeout', async () => {
    const clock = fakeClock();
    await expect(pollUntil(async () => ({ state: 'ready', value: 'once' }), { what: 'x', timeoutMs: 0, intervalMs: 100, clock })).resolves.toBe('once');
  });
});
