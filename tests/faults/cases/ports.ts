import { execFileSync } from 'node:child_process';
// Port changes Juju never applied (issue 10 §1). Juju commits a hook's open-port/close-port only
// when the hook exits 0 and the commit succeeds (juju-contract.md §2.1); opened-ports lists
// committed ports only. A final status-set that fails after open-port, a commit Juju drops, a
// hook SIGKILLed after open-port: each leaves Juju's ports as they were, in the first start of a
// fresh unit and in a port move alike. The next hook, whatever it is, must leave exactly the
// configured port opened; once a later hook has confirmed it, a steady update-status is back to
// two hook-tool calls (config-get, status-set).
import { expect, it } from 'vitest';
import type { Call, SimUnit } from '../../../testkit/juju-sim.ts';
import { UPSTREAM_MARKER } from '../../../testkit/netns.ts';
import { expectOk, explain } from '../checks.ts';
import { type FaultFixture, type HookRun, tinyproxyInstalled } from '../fixture.ts';
import { runHookKilledWhen, whenPortRequested } from '../killer.ts';
import { ACTIVE, STOPPED } from '../machine.ts';
import { charmTinyproxyPids } from '../observe.ts';
import { configure, type SuiteContext, serving } from '../suite.ts';
import type { Tally } from '../tally.ts';

/** A hook that changes Juju's opened ports, from a known state. */
interface Scenario {
  readonly name: string;
  readonly event: string;
  /** The port the hook opens (the only one that should be opened afterwards). */
  readonly port: number;
  /** Juju's opened ports before the hook, and so after it when its changes are lost. */
  readonly before: readonly string[];
  /** What the next hook must do, for the case's name. */
  readonly outcome: string;
  /** Brings the machine and Juju to the state before the hook; returns the unit to run it on. */
  prepare(f: FaultFixture): Promise<SimUnit>;
  /** Back to the main unit on the default config (for the cases after this one); asserts nothing. */
  restore(f: FaultFixture): Promise<void>;
}

/** How the hook's port changes were lost. */
interface Lost {
  /** The fault hit: the hook ended as a failed hook (else the port changes were committed). */
  readonly landed: boolean;
  readonly calls: Call[];
  readonly detail: string;
}

interface Fault {
  readonly title: (scenario: string) => string;
  lose(f: FaultFixture, unit: SimUnit, event: string, tally: Tally): Promise<Lost>;
}

const FIRST_START: Scenario = {
  name: 'the first start of a fresh unit',
  event: 'start',
  port: 8000,
  before: [],
  outcome: 'opens 8000/tcp',
  async prepare(f) {
    await serving(f, 'example');
    expectOk(await f.hook('stop'), STOPPED);
    return f.freshUnit();
  },
  async restore(f) {
    configure(f);
    await f.hook('update-status');
  },
};

const PORT_MOVE: Scenario = {
  name: 'a port move (server-port=8080)',
  event: 'config-changed',
  port: 8080,
  before: ['8000/tcp'],
  outcome: 'closes 8000/tcp and opens 8080/tcp',
  async prepare(f) {
    await serving(f, 'example');
    expect(f.unit.openedPorts(), 'Juju has 8000/tcp opened before the move').toEqual(['8000/tcp']);
    configure(f, { 'server-port': 8080 });
    return f.unit;
  },
  async restore(f) {
    configure(f);
    await f.hook('config-changed');
  },
};

const fromRun = (r: HookRun): Lost => ({ landed: r.failed, calls: r.calls, detail: explain(r) });

const FAILED_STATUS_SET: Fault = {
  title: (s) => `a failed status-set after open-port in ${s}`,
  async lose(f, unit, event) {
    f.tools.fail('status-set', 'ERROR injected status-set failure (tp-fault ports)');
    try {
      return fromRun(await f.hook(event, { unit }));
    } finally {
      f.tools.clear();
    }
  },
};

const DROPPED_COMMIT: Fault = {
  title: (s) => `a dropped commit of ${s}`,
  async lose(f, unit, event) {
    const r = await f.hook(event, { unit, dropCommit: true });
    // dispatch succeeded, but Juju counts a dropped commit as a failed hook and shows it.
    expectOk(r, { status: 'error', message: `hook failed: "${event}"` });
    return fromRun(r);
  },
};

const KILLED_AFTER_OPEN_PORT: Fault = {
  title: (s) => `a hook SIGKILLed right after open-port (for real) in ${s}`,
  async lose(f, unit, event, tally) {
    const k = await runHookKilledWhen(unit, event, f.net.wrap, whenPortRequested(unit.stateDir));
    const landed = k.killed && k.signal === 'SIGKILL';
    tally.killAttempt(`${event}: right after open-port`, landed && !k.calls.some((c) => c.tool === 'status-set'));
    const detail = `killed=${k.killed} exit=${k.exitCode} signal=${k.signal}\n${k.stderr}\n${k.calls.map((c) => `${c.tool} ${JSON.stringify(c.args)}`).join('\n')}`;
    return { landed, calls: k.calls, detail };
  },
};

const KILLED_IN_STATUS_SET: Fault = {
  title: (s) => `a hook SIGKILLed in its final status-set, after open-port, in ${s}`,
  async lose(f, unit, event) {
    f.tools.killHook('status-set');
    try {
      const r = await f.hook(event, { unit });
      expect(r.signal, explain(r)).toBe('SIGKILL');
      return fromRun(r);
    } finally {
      f.tools.clear();
    }
  },
};

/** Scenario, fault, next hook: each fault is followed by two different next hooks across the two scenarios. */
const CASES: readonly (readonly [Scenario, Fault, string])[] = [
  [FIRST_START, FAILED_STATUS_SET, 'update-status'],
  [FIRST_START, DROPPED_COMMIT, 'config-changed'],
  // Juju retries a hook whose agent was killed: the next hook is start again.
  [FIRST_START, KILLED_AFTER_OPEN_PORT, 'start'],
  [FIRST_START, KILLED_IN_STATUS_SET, 'update-status'],
  [PORT_MOVE, FAILED_STATUS_SET, 'config-changed'],
  [PORT_MOVE, DROPPED_COMMIT, 'update-status'],
  [PORT_MOVE, KILLED_AFTER_OPEN_PORT, 'update-status'],
  [PORT_MOVE, KILLED_IN_STATUS_SET, 'config-changed'],
];

/** A real kill may miss (the hook exited first, its ports committed): it is tried this often. */
const ATTEMPTS = 3;

async function expectServedOn(f: FaultFixture, port: number): Promise<void> {
  const r = await f.net.curl('/example/', { port });
  expect(r.code, `GET /example/ on port ${port}: ${r.stderr}${r.body.slice(0, 200)}`).toBe(200);
  expect(r.body).toContain(`${UPSTREAM_MARKER} path=/`);
}

export function registerPortFaults({ fixture, tally }: SuiteContext): void {
  // So that these cases also run alone (vitest -t 'ports:'), after the fixture purged tinyproxy-bin.
  it('ports: set-up: tinyproxy installed, the main unit serving /example/ with 8000/tcp opened', async () => {
    const f = fixture();
    if (!(await tinyproxyInstalled())) {
      const r = await f.hook('install', { root: true });
      expect(r.exitCode, explain(r)).toBe(0);
    }
    await serving(f, 'example');
    const r = await f.hook('update-status');
    expectOk(r, ACTIVE);
    expect(f.unit.openedPorts(), explain(r)).toEqual(['8000/tcp']);
  }, 300_000);

  for (const [scenario, fault, next] of CASES) {
    const opened = [`${scenario.port}/tcp`];
    it(`ports: ${fault.title(scenario.name)}: the next ${next} ${scenario.outcome}; a steady update-status then calls only config-get and status-set`, async () => {
      const f = fixture();
      const done = tally.fault(`${fault.title(scenario.name)}, then ${next}`);
      try {
        let unit: SimUnit | undefined;
        let lost: Lost | undefined;
        for (let attempt = 1; attempt <= ATTEMPTS && !lost?.landed; attempt += 1) {
          if (attempt > 1) await scenario.restore(f);
          unit = await scenario.prepare(f);
          lost = await fault.lose(f, unit, scenario.event, tally);
        }
        if (!unit || !lost) throw new Error('unreachable');
        expect(lost.landed, `the ${scenario.event} hook failed (in ${ATTEMPTS} attempts): ${lost.detail}`).toBe(true);
        expect(
          lost.calls.map((c) => c.tool),
          `the ${scenario.event} hook called open-port: ${lost.detail}`,
        ).toContain('open-port');
        expect(unit.openedPorts(), 'Juju kept the ports it had before the failed hook').toEqual(scenario.before);
        expect(unit.pendingPorts()).toEqual([]);

        const r = await f.hook(next, { unit });
        expectOk(r, ACTIVE);
        expect(unit.openedPorts(), `Juju's opened ports after the next hook: ${explain(r)}`).toEqual(opened);
        const pids = charmTinyproxyPids();
        const ps = pids.length === 1 ? '' : execFileSync('ps', ['-o', 'pid,ppid,pgid,sid,lstart,stat,args', '-p', pids.join(',')], { encoding: 'utf8' });
        expect(pids, `exactly one tinyproxy\n${ps}\n${explain(r)}`).toHaveLength(1);
        await expectServedOn(f, scenario.port);

        const confirm = await f.hook('update-status', { unit });
        expectOk(confirm, ACTIVE);
        expect(unit.openedPorts(), explain(confirm)).toEqual(opened);
        const steady = await f.hook('update-status', { unit });
        expectOk(steady, ACTIVE);
        expect(
          steady.calls.map((c) => c.tool),
          `a steady update-status: ${explain(steady)}`,
        ).toEqual(['config-get', 'status-set']);
        expect(unit.openedPorts(), "Juju's opened ports after a steady update-status").toEqual(opened);
        done();
      } finally {
        f.tools.clear();
        await scenario.restore(f);
      }
    }, 180_000);
  }
}
