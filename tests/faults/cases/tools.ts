// A hook tool that fails (exit 1 with an error on stderr): the hook fails naming the tool and its
// stderr, on one line on stderr and one juju-log ERROR record with a stack; the retry converges.
import { expect, it } from 'vitest';
import { expectCleanFailure, expectNoForwardProxy, expectOk, expectServed } from '../checks.ts';
import type { FaultFixture, HookOptions, HookRun } from '../fixture.ts';
import { ACTIVE, STOPPED } from '../machine.ts';
import { charmTinyproxyPids } from '../observe.ts';
import { type SuiteContext, serving } from '../suite.ts';

interface ToolCase {
  readonly tool: string;
  readonly event: string;
  /** Brings the unit to the state where `event` calls `tool`; returns the options to run it with. */
  readonly prepare: (f: FaultFixture) => Promise<HookOptions>;
}

const stopped = async (f: FaultFixture): Promise<HookOptions> => {
  await serving(f, 'example');
  expectOk(await f.hook('stop'), STOPPED);
  return {};
};

const CASES: readonly ToolCase[] = [
  {
    tool: 'config-get',
    event: 'config-changed',
    prepare: async (f) => {
      await serving(f, 'example');
      return {};
    },
  },
  {
    tool: 'status-set',
    event: 'update-status',
    prepare: async (f) => {
      await serving(f, 'example');
      return {};
    },
  },
  { tool: 'juju-log', event: 'start', prepare: stopped },
  // tinyproxy-bin is installed by now, so this install runs no apt: the server namespace will do.
  {
    tool: 'application-version-set',
    event: 'install',
    prepare: async (f) => {
      await serving(f, 'example');
      return {};
    },
  },
  // As the open-port case of kills.ts: the retried start must open 8000/tcp although
  // tinyproxy already serves.
  {
    tool: 'open-port',
    event: 'start',
    prepare: async (f) => {
      await stopped(f);
      return { unit: await f.freshUnit() };
    },
  },
];

export function registerToolFaults({ fixture, tally }: SuiteContext): void {
  for (const c of CASES) {
    it(`${c.tool} failing during ${c.event}: the error names the tool and its stderr; the retry converges`, async () => {
      const f = fixture();
      const options = await c.prepare(f);
      const stderr = `ERROR injected ${c.tool} failure (tp-fault)`;
      const done = tally.fault(`${c.tool} exits 1 during ${c.event}`);
      f.tools.fail(c.tool, stderr);
      let r: HookRun;
      try {
        r = await f.hook(c.event, options);
      } finally {
        f.tools.clear();
      }
      expectCleanFailure(r, [`hook tool ${c.tool} failed (exit 1): ${stderr}`], c.tool !== 'juju-log');
      const retry = await f.hook(c.event, options);
      expectOk(retry, ACTIVE);
      expect(charmTinyproxyPids()).toHaveLength(1);
      await expectServed(f.net, 'example');
      await expectNoForwardProxy(f.net);
      expect((options.unit ?? f.unit).openedPorts(), 'Juju has 8000/tcp opened').toEqual(['8000/tcp']);
      done();
    });
  }
}
