// The hook process SIGKILLed at each step of config-changed and start: for real (inotify on the
// file the charm is about to change, then SIGKILL to the hook's process group), and as the exact
// intermediate state reproduced by hand. Each time the next hook must leave tinyproxy serving.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { SimUnit } from '../../../testkit/juju-sim.ts';
import { expectNoForwardProxy, expectOk, expectServed, explain } from '../checks.ts';
import type { FaultFixture } from '../fixture.ts';
import { type KilledHook, runHookKilledWhen, whenCreated, whenGrows, whenReplaced } from '../killer.ts';
import { ACTIVE, CONFIG_DIR, CONFIG_FILE, LOG_FILE, RELOAD_LOG, START_LOG_PREFIX, STOPPED } from '../machine.ts';
import { charmTinyproxyPids, configBytes, daemonEvents, unitStateText } from '../observe.ts';
import { configFor, startTinyproxyByHand, writeConfigWithoutReload } from '../out-of-band.ts';
import { configure, logged, type SuiteContext, serving } from '../suite.ts';
import { expectFilesSafe, expectUnprivileged } from './first-start.ts';

const REAL_KILLS = 5;
const KILLED = (k: KilledHook): string => `killed=${k.killed} exit=${k.exitCode} signal=${k.signal}\n${k.stderr}\n${k.calls.map((c) => `${c.tool} ${JSON.stringify(c.args)}`).join('\n')}`;

/**
 * The unit converged on `slug`: active, serving it from one tinyproxy, it should run, and Juju has
 * 8000/tcp opened (checked softly, so every attempt of a loop runs; the tally counts only full convergence).
 */
async function expectConverged(f: FaultFixture, unit: SimUnit, slug: string): Promise<{ pid: number; portOpened: boolean }> {
  expect(unit.status()).toEqual(ACTIVE);
  await expectServed(f.net, slug);
  const pids = charmTinyproxyPids();
  expect(pids, 'exactly one tinyproxy').toHaveLength(1);
  // The port is remembered only once a later hook saw it committed.
  const state = JSON.parse(unitStateText(f.charmDir) ?? '{}') as { shouldRun?: boolean; openedPort?: number };
  expect(state.shouldRun).toBe(true);
  expect([undefined, 8000]).toContain(state.openedPort);
  expectUnprivileged(pids[0] as number);
  expectFilesSafe(f);
  await expectNoForwardProxy(f.net);
  const portOpened = JSON.stringify(unit.openedPorts()) === JSON.stringify(['8000/tcp']);
  expect.soft(unit.openedPorts(), 'Juju has 8000/tcp opened').toEqual(['8000/tcp']);
  return { pid: pids[0] as number, portOpened };
}

/** How long a SIGUSR1 that tinyproxy may have received takes at most to show up in its log. */
const SIGNAL_SETTLE_MS = 100;

export function registerKills({ fixture, tally }: SuiteContext): void {
  for (const next of ['config-changed', 'update-status'] as const) {
    it(`config-changed SIGKILLed after writing the config, before the reload (for real, ${next === 'config-changed' ? `${REAL_KILLS} times` : 'once'}); the next ${next} converges`, async () => {
      const f = fixture();
      const pid = await serving(f, 'example');
      const attempts = next === 'config-changed' ? REAL_KILLS : 1;
      for (let i = 1; i <= attempts; i += 1) {
        const slug = `killed-${next}-${i}`;
        const before = daemonEvents();
        configure(f, { slug });
        const done = tally.fault(`SIGKILL config-changed -> ${slug}, then ${next}`);
        const k = await runHookKilledWhen(f.unit, 'config-changed', f.net.wrap, whenReplaced(CONFIG_FILE));
        // A SIGUSR1 sent just before the kill may still be on its way into tinyproxy's log; there
        // is nothing to poll for when none was sent, so this waits a fixed time before counting.
        await new Promise((resolve) => setTimeout(resolve, SIGNAL_SETTLE_MS));
        const reloadedBeforeKill = daemonEvents().reloads - before.reloads;
        const announced = k.calls.some((c) => c.tool === 'juju-log' && c.args.includes(RELOAD_LOG));
        const hit = k.killed && k.signal === 'SIGKILL' && !announced && reloadedBeforeKill === 0 && configBytes()?.includes(`"/${slug}/"`) === true;
        tally.killAttempt('config-changed: after writing the config, before the reload', hit);
        expect(k.killed, `the trigger fired: ${KILLED(k)}`).toBe(true);
        const r = await f.hook(next);
        expectOk(r, ACTIVE);
        const converged = await expectConverged(f, f.unit, slug);
        expect(converged.pid, 'a reload keeps the PID').toBe(pid);
        expect(daemonEvents(), 'exactly one reload across the killed hook and the next one').toEqual({ starts: before.starts, reloads: before.reloads + 1 });
        expect(
          logged(r, 'INFO').filter((m) => m === RELOAD_LOG),
          explain(r),
        ).toHaveLength(reloadedBeforeKill === 0 ? 1 : 0);
        if (converged.portOpened) done();
      }
    });
  }

  // A hook killed between writing the temp file and renaming it leaves tinyproxy.conf.tmp; the
  // next write replaces it and a hook with nothing to write deletes it.
  it('config-changed SIGKILLed while writing the config (for real, until it lands, at most 5 times); the next config-changed converges and leaves no temp file', async () => {
    const f = fixture();
    const pid = await serving(f, 'example');
    const strays = (): string[] => readdirSync(CONFIG_DIR).filter((name) => name !== 'tinyproxy.conf');
    for (let i = 1; i <= 5; i += 1) {
      const slug = `killed-mid-write-${i}`;
      const old = configBytes();
      configure(f, { slug });
      const done = tally.fault(`SIGKILL config-changed while writing the config file (#${i})`);
      const k = await runHookKilledWhen(f.unit, 'config-changed', f.net.wrap, whenCreated(CONFIG_DIR, 'tinyproxy.conf.tmp'));
      const hit = k.killed && k.signal === 'SIGKILL' && old !== undefined && configBytes()?.equals(old) === true;
      tally.killAttempt('config-changed: while writing the config file (temp file not yet renamed)', hit);
      expect(k.killed, `the trigger fired: ${KILLED(k)}`).toBe(true);
      const left = strays();
      try {
        const r = await f.hook('config-changed');
        expectOk(r, ACTIVE);
        expect(strays(), 'files left in the config folder').toEqual([]);
        const converged = await expectConverged(f, f.unit, slug);
        expect(converged.pid).toBe(pid);
        if (converged.portOpened) done();
      } finally {
        // Keep the later cases independent of this one.
        for (const name of strays()) rmSync(join(CONFIG_DIR, name));
      }
      if (hit || left.length > 0) break;
    }
  });

  it('the state config-changed leaves when killed mid-write (a partial temp file, the old config); the next config-changed converges and leaves no temp file', async () => {
    const f = fixture();
    const pid = await serving(f, 'example');
    const slug = 'half-written';
    configure(f, { slug });
    const done = tally.fault('partial temp config file left by a killed hook, then config-changed');
    const stray = join(CONFIG_DIR, 'tinyproxy.conf.tmp');
    writeFileSync(stray, configFor(slug).slice(0, 40), { mode: 0o644 });
    try {
      const r = await f.hook('config-changed');
      expectOk(r, ACTIVE);
      expect(readdirSync(CONFIG_DIR), 'files left in the config folder').toEqual(['tinyproxy.conf']);
      const converged = await expectConverged(f, f.unit, slug);
      expect(converged.pid).toBe(pid);
      if (converged.portOpened) done();
    } finally {
      rmSync(stray, { force: true });
    }
  });

  for (const next of ['config-changed', 'update-status'] as const) {
    it(`the state config-changed leaves when killed before the reload (new file, old mapping); the next ${next} reloads once`, async () => {
      const f = fixture();
      const pid = await serving(f, 'example');
      const slug = `half-done-${next}`;
      configure(f, { slug });
      const before = daemonEvents();
      const done = tally.fault(`config written for ${slug}, no reload, then ${next}`);
      writeConfigWithoutReload(configFor(slug));
      const r = await f.hook(next);
      expectOk(r, ACTIVE);
      const converged = await expectConverged(f, f.unit, slug);
      expect(converged.pid).toBe(pid);
      expect(daemonEvents()).toEqual({ starts: before.starts, reloads: before.reloads + 1 });
      expect(logged(r, 'INFO').filter((m) => m === RELOAD_LOG)).toHaveLength(1);
      if (converged.portOpened) done();
    });
  }

  it(`start SIGKILLed during its wait for tinyproxy (for real, 3 times, on a fresh unit); the retried start converges`, async () => {
    const f = fixture();
    await serving(f, 'example');
    for (let i = 1; i <= 3; i += 1) {
      expectOk(await f.hook('stop'), STOPPED);
      const unit = await f.freshUnit();
      const done = tally.fault(`SIGKILL start during the start wait (#${i})`);
      const k = await runHookKilledWhen(unit, 'start', f.net.wrap, whenGrows(LOG_FILE));
      const hit = k.killed && k.signal === 'SIGKILL' && !k.calls.some((c) => c.tool === 'open-port' || c.tool === 'status-set');
      tally.killAttempt('start: during the wait for tinyproxy', hit);
      expect(k.killed, `the trigger fired: ${KILLED(k)}`).toBe(true);
      const startsBefore = daemonEvents().starts;
      const runningAfterKill = charmTinyproxyPids().length;
      const r = await f.hook('start', { unit });
      expectOk(r, ACTIVE);
      const converged = await expectConverged(f, unit, 'example');
      expect(daemonEvents().starts, 'the retry starts tinyproxy only if the killed hook had not').toBe(startsBefore + (runningAfterKill === 0 ? 1 : 0));
      if (converged.portOpened) done();
    }
    // Back to the main unit's view (it has 8000/tcp and shouldRun already).
    expectOk(await f.hook('update-status'), ACTIVE);
  });

  it('the state start leaves when killed after writing a new config, before starting tinyproxy; the retried start serves it', async () => {
    const f = fixture();
    await serving(f, 'example');
    expectOk(await f.hook('stop'), STOPPED);
    const unit = await f.freshUnit();
    configure(f, { slug: 'written-not-started' });
    unit.setConfig({ slug: 'written-not-started' });
    const done = tally.fault('config written, tinyproxy not started, then start');
    writeConfigWithoutReload(configFor('written-not-started'));
    const r = await f.hook('start', { unit });
    expectOk(r, ACTIVE);
    expect(logged(r, 'INFO').filter((m) => m.startsWith(START_LOG_PREFIX))).toHaveLength(1);
    if ((await expectConverged(f, unit, 'written-not-started')).portOpened) done();
  });

  // Juju drops the ports of a failed hook: the retried start must open 8000/tcp although
  // tinyproxy already runs and serves (the charm remembers only ports a successful hook opened).
  it('the state start leaves when killed during its wait (tinyproxy up, port not opened, shouldRun not saved); the retried start opens 8000/tcp without a second start', async () => {
    const f = fixture();
    await serving(f, 'example');
    expectOk(await f.hook('stop'), STOPPED);
    const unit = await f.freshUnit();
    const done = tally.fault('tinyproxy started without waiting, no port, then start');
    const pid = await startTinyproxyByHand(f.net.serverNs);
    const before = daemonEvents();
    const r = await f.hook('start', { unit });
    expectOk(r, ACTIVE);
    expect(
      logged(r, 'INFO').filter((m) => m.startsWith(START_LOG_PREFIX)),
      'no second start',
    ).toEqual([]);
    expect(charmTinyproxyPids()).toEqual([pid]);
    expect(daemonEvents()).toEqual(before);
    if ((await expectConverged(f, unit, 'example')).portOpened) done();
  });
}
