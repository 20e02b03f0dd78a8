// Every hook run twice in a row: the second run leaves the same end state, and never reloads,
// restarts, installs or touches the opened ports again. Ends with remove, twice.
import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';
import type { ConfigMap, StatusInfo } from '../../../testkit/juju-sim.ts';
import { expectNoForwardProxy, expectOk, explain } from '../checks.ts';
import type { FaultFixture, HookRun } from '../fixture.ts';
import { tinyproxyInstalled } from '../fixture.ts';
import { ACTIVE, CONFIG_DIR, RELOAD_LOG, REMOVED, regexMessage, START_LOG_PREFIX, STOPPED } from '../machine.ts';
import { charmTinyproxyPids, endState } from '../observe.ts';
import { CANARIES } from '../slugs.ts';
import { configure, type SuiteContext, serving } from '../suite.ts';

interface TwiceCase {
  readonly event: string;
  readonly config?: ConfigMap;
  readonly status: StatusInfo;
}

const CASES: readonly TwiceCase[] = [
  { event: 'config-changed', status: ACTIVE },
  { event: 'config-changed', config: { slug: 'twice' }, status: ACTIVE },
  { event: 'start', config: { slug: 'twice' }, status: ACTIVE },
  { event: 'update-status', config: { slug: 'twice' }, status: ACTIVE },
  { event: 'leader-elected', config: { slug: 'twice' }, status: ACTIVE },
  { event: 'upgrade-charm', config: { slug: 'twice' }, status: ACTIVE },
  { event: 'config-changed', config: { slug: 'twice', 'server-port': 8002 }, status: ACTIVE },
  { event: 'config-changed', config: { slug: 'Twice' }, status: { status: 'blocked', message: regexMessage('Twice') } },
  { event: 'stop', config: { slug: 'twice' }, status: STOPPED },
  { event: 'start', config: { slug: 'twice' }, status: ACTIVE },
];

/** What a second run must not do: reload, start, change ports, run apt. */
function expectNoAction(f: FaultFixture, r: HookRun): void {
  const info = r.logs.map((l) => l.message);
  expect(
    info.filter((m) => m === RELOAD_LOG || m.startsWith(START_LOG_PREFIX)),
    explain(r),
  ).toEqual([]);
  expect(
    r.calls.filter((c) => c.tool === 'open-port' || c.tool === 'close-port'),
    explain(r),
  ).toEqual([]);
  expect(f.apt.calls(), 'apt-get ran again').toEqual([]);
}

export function registerTwice({ fixture, tally }: SuiteContext): void {
  it('a running unit serves /example/ before the hooks run twice', async () => {
    await serving(fixture(), 'example');
  });

  for (const c of CASES) {
    it(`${c.event}${c.config ? ` (${JSON.stringify(c.config)})` : ''} run twice: same end state, nothing done twice`, async () => {
      const f = fixture();
      configure(f, c.config ?? {});
      const done = tally.fault(`${c.event} run twice`);
      const first = await f.hook(c.event);
      expectOk(first, c.status);
      const after = endState(f.unit);
      f.apt.clear();
      const second = await f.hook(c.event);
      expectOk(second, c.status);
      expectNoAction(f, second);
      expect(endState(f.unit), 'the second run changed the end state').toEqual(after);
      await expectNoForwardProxy(f.net, Number(c.config?.['server-port'] ?? 8000));
      done();
    });
  }

  it('remove run twice: everything is gone after the first, the second succeeds and changes nothing', async () => {
    const f = fixture();
    const done = tally.fault('remove run twice');
    const first = await f.hook('remove');
    expectOk(first, REMOVED);
    expect(await tinyproxyInstalled()).toBe(false);
    expect(existsSync(CONFIG_DIR)).toBe(false);
    expect(charmTinyproxyPids()).toEqual([]);
    const after = endState(f.unit);
    f.apt.clear();
    const second = await f.hook('remove');
    expectOk(second, REMOVED);
    expectNoAction(f, second);
    expect(endState(f.unit)).toEqual(after);
    await expectNoForwardProxy(f.net);
    done();
  });

  it('over the whole suite: no substitution canary exists and the upstream never received a forwarded request', () => {
    const f = fixture();
    for (const canary of CANARIES) expect(existsSync(canary), canary).toBe(false);
    expect(
      f.net
        .upstreamRequests()
        .map((r) => r.url)
        .filter((u) => u.includes('forward-')),
    ).toEqual([]);
  });
}
