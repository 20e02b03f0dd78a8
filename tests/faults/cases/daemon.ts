// The daemon behind the charm's back: tinyproxy SIGKILLed out of band (brought back by
// update-status, unless the unit was stopped on purpose), and its port held by another process.
import { expect, it } from 'vitest';
import { expectNoForwardProxy, expectOk, expectServed, explain } from '../checks.ts';
import { holdPort } from '../holders.ts';
import { ACTIVE, heldBy, RESTART_WARNING, START_LOG_PREFIX, STOPPED, WAITING_START } from '../machine.ts';
import { charmTinyproxyPids, configBytes, daemonEvents } from '../observe.ts';
import { killTinyproxy } from '../out-of-band.ts';
import { configure, logged, type SuiteContext, serving } from '../suite.ts';
import { expectUnprivileged } from './first-start.ts';

export function registerDaemonFaults({ fixture, tally }: SuiteContext): void {
  it('tinyproxy SIGKILLed out of band: the next update-status starts it again and says so in juju-log', async () => {
    const f = fixture();
    const old = await serving(f, 'example');
    const done = tally.fault('tinyproxy SIGKILLed out of band');
    await killTinyproxy();
    const r = await f.hook('update-status');
    expectOk(r, ACTIVE);
    const warnings = logged(r, 'WARNING');
    expect(
      warnings.filter((m) => m === RESTART_WARNING),
      explain(r),
    ).toHaveLength(1);
    const pids = charmTinyproxyPids();
    expect(pids).toHaveLength(1);
    expect(pids).not.toContain(old);
    expectUnprivileged(pids[0] as number);
    await expectServed(f.net, 'example');
    await expectNoForwardProxy(f.net);
    done();
  });

  it('stopped on purpose: update-status leaves tinyproxy stopped and warns about nothing; start brings it back', async () => {
    const f = fixture();
    await serving(f, 'example');
    expectOk(await f.hook('stop'), STOPPED);
    for (const event of ['update-status', 'leader-elected', 'update-status']) {
      const r = await f.hook(event);
      expectOk(r, WAITING_START);
      expect(logged(r, 'WARNING'), explain(r)).toEqual([]);
      expect(charmTinyproxyPids()).toEqual([]);
      await expectNoForwardProxy(f.net);
    }
    expectOk(await f.hook('start'), ACTIVE);
    await expectServed(f.net, 'example');
  });

  it('port 8000 held by another process: start blocks naming the port and the holder, starts nothing; the retry after it is freed succeeds', async () => {
    const f = fixture();
    await serving(f, 'example');
    expectOk(await f.hook('stop'), STOPPED);
    const done = tally.fault('port 8000 held by another process during start');
    const holder = await holdPort(f.net.serverNs, 8000);
    try {
      const r = await f.hook('start');
      expectOk(r, heldBy(8000, holder.pid));
      expect(charmTinyproxyPids()).toEqual([]);
    } finally {
      await holder.stop();
    }
    const retry = await f.hook('start');
    expectOk(retry, ACTIVE);
    await expectServed(f.net, 'example');
    await expectNoForwardProxy(f.net);
    done();
  });

  it('tinyproxy killed and its port taken: update-status blocks naming the holder, never active; once freed, the next update-status restarts it', async () => {
    const f = fixture();
    await serving(f, 'example');
    const done = tally.fault('tinyproxy killed and port 8000 taken before update-status');
    await killTinyproxy();
    const holder = await holdPort(f.net.serverNs, 8000);
    try {
      const r = await f.hook('update-status');
      expectOk(r, heldBy(8000, holder.pid));
      expect(charmTinyproxyPids()).toEqual([]);
    } finally {
      await holder.stop();
    }
    const retry = await f.hook('update-status');
    expectOk(retry, ACTIVE);
    expect(logged(retry, 'INFO').filter((m) => m.startsWith(START_LOG_PREFIX))).toHaveLength(1);
    await expectServed(f.net, 'example');
    done();
  });

  it('server-port moved to a held port: config-changed blocks naming it, changes nothing, keeps serving on 8000; the next hook after it is freed moves', async () => {
    const f = fixture();
    const pid = await serving(f, 'example');
    const done = tally.fault('port 8001 held when server-port moves there');
    const holder = await holdPort(f.net.serverNs, 8001);
    configure(f, { 'server-port': 8001 });
    try {
      const config = configBytes();
      const r = await f.hook('config-changed');
      expectOk(r, heldBy(8001, holder.pid));
      expect(configBytes(), 'the config file is byte-identical').toEqual(config);
      expect(charmTinyproxyPids(), 'still the same tinyproxy').toEqual([pid]);
      await expectServed(f.net, 'example');
      expect(f.unit.openedPorts()).toEqual(['8000/tcp']);
    } finally {
      await holder.stop();
    }
    const before = daemonEvents();
    expectOk(await f.hook('update-status'), ACTIVE);
    expect(f.unit.openedPorts()).toEqual(['8001/tcp']);
    expect((await f.net.curl('/example/', { port: 8001 })).code).toBe(200);
    expect(daemonEvents().starts).toBe(before.starts + 1);
    await expectNoForwardProxy(f.net, 8001);
    done();
    await serving(f, 'example');
    expect(f.unit.openedPorts()).toEqual(['8000/tcp']);
  });
}
