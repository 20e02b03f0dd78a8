// What every group of fault cases gets, and the steps they share to reach a known state.
import { afterAll, beforeAll, expect } from 'vitest';
import type { ConfigMap } from '../../testkit/juju-sim.ts';
import { expectOk, expectServed, explain } from './checks.ts';
import type { FaultFixture, HookOptions, HookRun } from './fixture.ts';
import { type Prober, startForwardProber } from './holders.ts';
import { ACTIVE } from './machine.ts';
import { charmTinyproxyPids } from './observe.ts';
import { killTinyproxy } from './out-of-band.ts';
import type { Tally } from './tally.ts';

export interface SuiteContext {
  readonly fixture: () => FaultFixture;
  readonly tally: Tally;
}

const DEFAULTS = ['slug', 'server-port', 'upstream'] as const;

/**
 * The hook timeout for cases where a hook might hang (a FIFO, a stopped daemon, a silent port): far
 * above what any hook may take (tinyproxy's own start wait is 10 s), far below the test's timeout.
 * A hook killed at this bound shows as timed out, which expectOk and friends report as a hang.
 */
export const BOUNDED: HookOptions = { timeoutMs: 20_000 };
/** A test that runs a few bounded hooks. */
export const BOUNDED_TEST_MS = 90_000;

/**
 * Runs a case; if it fails, SIGKILLs the charm's tinyproxy (stopped, saturated, serving a hand-made
 * config, writing into a planted file) so that the next case's `serving()` starts a clean one
 * instead of failing too.
 */
export async function isolated(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    await killTinyproxy();
    throw error;
  }
}

/** Sets the config to the defaults plus `config`, as `juju config` would. */
export function configure(f: FaultFixture, config: ConfigMap = {}): void {
  for (const key of DEFAULTS) if (!(key in config)) f.unit.resetConfig(key);
  f.unit.setConfig(config);
}

/** Brings the main unit to: tinyproxy running, serving /<slug>/ with the other options at their defaults. */
export async function serving(f: FaultFixture, slug = 'example'): Promise<number> {
  configure(f, { slug });
  let r: HookRun = await f.hook('config-changed');
  if (charmTinyproxyPids().length === 0) r = await f.hook('start');
  expectOk(r, ACTIVE);
  await expectServed(f.net, slug);
  const pids = charmTinyproxyPids();
  expect(pids, explain(r)).toHaveLength(1);
  return pids[0] as number;
}

/** The PIDs in the server namespace (the upstream, tinyproxy, anything else started there). */
export const serverPids = async (f: FaultFixture): Promise<number[]> => (await f.net.pids('server')).sort((a, b) => a - b);

/** The juju-log messages of a hook at one level. */
export const logged = (r: HookRun, level: string): string[] => r.logs.filter((l) => l.level === level).map((l) => l.message);

/**
 * Keeps a forward-proxy prober running from the client namespace for the whole group (every
 * reload, refused config, kill and restart in it); at the end nothing may have been forwarded.
 */
export function probeForwardingThroughout({ fixture, tally }: SuiteContext, group: string): void {
  let prober: Prober | undefined;
  beforeAll(async () => {
    const f = fixture();
    prober = await startForwardProber(f.net.clientNs, f.net.serverAddress, 8000, `forward-race-${group.replace(/[^a-z0-9]+/g, '-')}`);
  });
  afterAll(async () => {
    if (!prober) return;
    const outcome = await prober.finish();
    tally.note(
      `forward prober during ${group}: ${outcome.tries} absolute-URI GETs and CONNECTs, ${outcome.refused} refused connections, answers ${JSON.stringify(outcome.answers)}, ${outcome.tunnels} tunnels`,
    );
    expect(outcome.tunnels, `CONNECT tunnels opened during ${group}`).toBe(0);
    expect(outcome.answers['200'] ?? 0, `forward GETs answered 200 during ${group}`).toBe(0);
    expect(
      fixture()
        .net.upstreamRequests()
        .map((r) => r.url)
        .filter((u) => u.includes('forward-')),
    ).toEqual([]);
  });
}
