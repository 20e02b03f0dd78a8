// The files behind the charm's back: its config file deleted, truncated, edited (even into an open
// proxy and reloaded), made world-writable; the direct-mode pid file missing, empty, garbage, or
// naming an unrelated live process, which must survive untouched.
import { chmodSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { pidAlive as isAlive } from '../../../testkit/procfs.ts';
import { expectNoForwardProxy, expectOk, expectServed, explain } from '../checks.ts';
import type { FaultFixture } from '../fixture.ts';
import { startSignalRecorder } from '../holders.ts';
import { ACTIVE, CONFIG_DIR, CONFIG_FILE, PID_FILE, RELOAD_LOG, STOPPED } from '../machine.ts';
import { charmTinyproxyPids, configBytes, daemonEvents } from '../observe.ts';
import { reloadByHand } from '../out-of-band.ts';
import { configure, logged, type SuiteContext, serving } from '../suite.ts';

interface ConfigFault {
  readonly name: string;
  /** Breaks the file; returns nothing. */
  readonly inject: (f: FaultFixture, pid: number) => void | Promise<void>;
  /** Whether the repair needs a reload (a mode change does not). */
  readonly reload: boolean;
}

const edit = (change: (text: string) => string): void => writeFileSync(CONFIG_FILE, change(readFileSync(CONFIG_FILE, 'utf8')));

const CONFIG_FAULTS: readonly ConfigFault[] = [
  { name: 'deleted', reload: true, inject: () => rmSync(CONFIG_FILE) },
  { name: 'its folder deleted', reload: true, inject: () => rmSync(CONFIG_DIR, { recursive: true }) },
  { name: 'truncated to 0 bytes', reload: true, inject: () => truncateSync(CONFIG_FILE, 0) },
  { name: 'truncated half-way', reload: true, inject: () => truncateSync(CONFIG_FILE, Math.floor(statSync(CONFIG_FILE).size / 2)) },
  { name: 'edited: another slug', reload: true, inject: () => edit((t) => t.replace(/^ReversePath "\/[^"]*\/"/m, 'ReversePath "/hand-edited/"')) },
  { name: 'edited: a comment added', reload: true, inject: () => edit((t) => `${t}# tuned by hand\n`) },
  { name: 'edited: ReverseOnly removed, an Upstream added', reload: true, inject: () => edit((t) => `${t.replace(/^ReverseOnly Yes\n/m, '')}Upstream http 127.0.0.1:9\n`) },
  {
    name: 'edited into an open forward proxy (no ReverseOnly, no ReversePath) and reloaded by hand',
    reload: true,
    inject: async (_f, pid) => {
      edit((t) => t.replace(/^ReverseOnly Yes\n/m, '').replace(/^ReversePath .*\n/m, ''));
      await reloadByHand(pid);
    },
  },
  { name: 'made world-writable', reload: false, inject: () => chmodSync(CONFIG_FILE, 0o666) },
];

interface PidFileFault {
  readonly name: string;
  readonly content: (unrelatedPid: number) => string | undefined;
}

const PID_FILE_FAULTS: readonly PidFileFault[] = [
  { name: 'missing', content: () => undefined },
  { name: 'empty', content: () => '' },
  { name: 'garbage', content: () => 'not a pid \u00ff\n-1\n' },
  { name: 'naming an unrelated live process', content: (pid) => `${pid}\n` },
];

export function registerFileFaults({ fixture, tally }: SuiteContext): void {
  for (const fault of CONFIG_FAULTS) {
    it(`config file ${fault.name}: the next update-status restores it byte for byte${fault.reload ? ' and reloads' : ''}`, async () => {
      const f = fixture();
      const pid = await serving(f, 'example');
      const good = configBytes();
      const before = daemonEvents();
      const done = tally.fault(`config file ${fault.name}`);
      await fault.inject(f, pid);
      const r = await f.hook('update-status');
      expectOk(r, ACTIVE);
      expect(configBytes()?.equals(good ?? Buffer.alloc(0)), 'the config file is restored').toBe(true);
      expect(statSync(CONFIG_FILE).mode & 0o777).toBe(0o644);
      expect(charmTinyproxyPids(), 'the same tinyproxy').toEqual([pid]);
      const reloads = fault.reload ? 1 : 0;
      expect(daemonEvents(), explain(r)).toEqual({ starts: before.starts, reloads: before.reloads + reloads + (fault.name.includes('reloaded by hand') ? 1 : 0) });
      expect(logged(r, 'INFO').filter((m) => m === RELOAD_LOG)).toHaveLength(reloads);
      await expectServed(f.net, 'example');
      await expectNoForwardProxy(f.net);
      done();
    });
  }

  for (const fault of PID_FILE_FAULTS) {
    it(`pid file ${fault.name}: update-status, a reload, stop and start all act on the real tinyproxy`, async () => {
      const f = fixture();
      const recorder = await startSignalRecorder();
      try {
        const pid = await serving(f, 'example');
        const done = tally.fault(`pid file ${fault.name}`);
        const setPidFile = (): void => {
          const content = fault.content(recorder.pid);
          rmSync(PID_FILE, { force: true });
          if (content !== undefined) writeFileSync(PID_FILE, content);
        };
        setPidFile();
        expectOk(await f.hook('update-status'), ACTIVE);
        expect(charmTinyproxyPids()).toEqual([pid]);

        configure(f, { slug: 'pid-file-fault' });
        const before = daemonEvents();
        expectOk(await f.hook('config-changed'), ACTIVE);
        expect(charmTinyproxyPids(), 'the reload signalled the real tinyproxy').toEqual([pid]);
        expect(daemonEvents().reloads).toBe(before.reloads + 1);
        await expectServed(f.net, 'pid-file-fault');

        setPidFile();
        expectOk(await f.hook('stop'), STOPPED);
        expect(charmTinyproxyPids(), 'stop stopped the real tinyproxy').toEqual([]);
        expect(isAlive(pid)).toBe(false);

        setPidFile();
        expectOk(await f.hook('start'), ACTIVE);
        expect(charmTinyproxyPids()).toHaveLength(1);
        await expectServed(f.net, 'pid-file-fault');
        await expectNoForwardProxy(f.net);

        expect(isAlive(recorder.pid), 'the unrelated process is alive').toBe(true);
        expect(recorder.signals(), 'the unrelated process got no signal').toEqual([]);
        done();
      } finally {
        await recorder.stop();
      }
    });
  }
}
