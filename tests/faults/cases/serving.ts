// "active is a claim" (issue 10): a hook ends active only while the charm's own tinyproxy holds the
// configured port and answers the serving probe now. A stopped or saturated tinyproxy, a config file
// changed so that only its bytes differ (inode, size and mtime kept), and a stranger on the port
// (answering the probe as tinyproxy would, or never answering) must never end a hook active: the hook
// repairs what it can, says who holds the port otherwise, and converges once the stranger is gone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { mustRun } from '../../../testkit/process.ts';
import { pidAlive as isAlive } from '../../../testkit/procfs.ts';
import { expectNoForwardProxy, expectOk, expectPortInUse, expectServed, explain } from '../checks.ts';
import type { FaultFixture } from '../fixture.ts';
import { holdIdleConnections, impersonateTinyproxy } from '../holders.ts';
import { ACTIVE, CONFIG_FILE } from '../machine.ts';
import { charmTinyproxyPids, configBytes } from '../observe.ts';
import { editConfigInPlace, killTinyproxy, reloadByHand } from '../out-of-band.ts';
import { BOUNDED, BOUNDED_TEST_MS, configure, isolated, type SuiteContext, serving } from '../suite.ts';
import { expectUnprivileged } from './first-start.ts';

/** A slug as long as `example`, so that an edit keeps the file's size. */
const EDITED = 'handmad';
const toEdited = (text: string): string => text.replace('ReversePath "/example/"', `ReversePath "/${EDITED}/"`);

/** tinyproxy 1.11.1 serves at most MaxClients (default 100) connections; the rest wait in the backlog. */
const IDLE_CLIENTS = 110;

/** The one tinyproxy now running is a new process, as the account, and serves /example/. */
async function expectReplaced(f: FaultFixture, old: number): Promise<void> {
  const pids = charmTinyproxyPids();
  expect(pids, 'exactly one tinyproxy').toHaveLength(1);
  expect(pids, 'a new tinyproxy replaced the one that did not answer').not.toContain(old);
  expect(isAlive(old), `the old tinyproxy (pid ${old}) was ended`).toBe(false);
  expectUnprivileged(pids[0] as number);
  await expectServed(f.net, 'example');
  await expectNoForwardProxy(f.net);
}

/** /example/ serves from the same tinyproxy with the charm's file, and the hand-edited slug gets tinyproxy's 400. */
async function expectRestored(f: FaultFixture, pid: number, good: Buffer | undefined, slug = 'example', edited = EDITED): Promise<void> {
  expect(configBytes()?.equals(good ?? Buffer.alloc(0)), `${CONFIG_FILE} holds the charm's content again`).toBe(true);
  expect(charmTinyproxyPids(), 'the same tinyproxy, reloaded').toEqual([pid]);
  await expectServed(f.net, slug);
  expect((await f.net.curl(`/${edited}/`)).code, `/${edited}/ after the repair`).toBe(400);
}

const STRANGERS = [
  { silent: false, who: 'a stranger answering the probe as tinyproxy would' },
  { silent: true, who: 'a silent stranger (accepts, never answers)' },
] as const;

export function registerServingClaims({ fixture, tally }: SuiteContext): void {
  it(
    'tinyproxy SIGSTOPped: update-status replaces it with a new tinyproxy and ends active',
    () =>
      isolated(async () => {
        const f = fixture();
        const old = await serving(f, 'example');
        const done = tally.fault('tinyproxy SIGSTOPped');
        process.kill(old, 'SIGSTOP');
        try {
          const r = await f.hook('update-status', BOUNDED);
          expectOk(r, ACTIVE);
          await expectReplaced(f, old);
          done();
        } finally {
          if (isAlive(old)) process.kill(old, 'SIGCONT');
        }
      }),
    BOUNDED_TEST_MS,
  );

  it(
    `tinyproxy accepting but never answering (${IDLE_CLIENTS} idle clients use up MaxClients): update-status restarts it and ends active`,
    () =>
      isolated(async () => {
        const f = fixture();
        const old = await serving(f, 'example');
        const done = tally.fault('tinyproxy saturated by idle clients');
        const idle = await holdIdleConnections(f.net.clientNs, f.net.serverAddress, 8000, IDLE_CLIENTS);
        try {
          const stuck = await f.net.curl('/example/', { timeoutSec: 2 });
          expect(stuck.code, `arrangement: tinyproxy accepts but does not answer (curl exit ${stuck.exitCode})`).toBe(0);
          const r = await f.hook('update-status', BOUNDED);
          expectOk(r, ACTIVE);
          await expectReplaced(f, old);
          done();
        } finally {
          await idle.stop();
        }
      }),
    BOUNDED_TEST_MS,
  );

  it(
    `config file edited in place (same inode, size, mtime), not reloaded: update-status restores it; /example/ serves, /${EDITED}/ gets 400`,
    () =>
      isolated(async () => {
        const f = fixture();
        const pid = await serving(f, 'example');
        const good = configBytes();
        const done = tally.fault('config file edited in place, mtime kept');
        await editConfigInPlace(toEdited);
        const r = await f.hook('update-status', BOUNDED);
        expectOk(r, ACTIVE);
        await expectRestored(f, pid, good);
        done();
      }),
    BOUNDED_TEST_MS,
  );

  it(
    `config file edited in place (same inode, size, mtime) and reloaded by hand: update-status restores and reloads it; /example/ serves, /${EDITED}/ gets 400`,
    () =>
      isolated(async () => {
        const f = fixture();
        const pid = await serving(f, 'example');
        const good = configBytes();
        const done = tally.fault('config file edited in place, mtime kept, SIGUSR1 by hand');
        await editConfigInPlace(toEdited);
        await reloadByHand(pid);
        expect((await f.net.curl(`/${EDITED}/`)).code, 'arrangement: tinyproxy serves the hand-edited slug').toBe(200);
        const r = await f.hook('update-status', BOUNDED);
        expectOk(r, ACTIVE);
        await expectRestored(f, pid, good);
        done();
      }),
    BOUNDED_TEST_MS,
  );

  it(
    'config file edited in place and reloaded by hand, then its bytes put back (same inode, size, mtime) without a reload: update-status makes tinyproxy serve it again',
    () =>
      isolated(async () => {
        const f = fixture();
        const pid = await serving(f, 'example');
        const good = configBytes();
        const done = tally.fault('config file edited, reloaded, put back byte for byte');
        await editConfigInPlace(toEdited);
        await reloadByHand(pid);
        await editConfigInPlace((text) => text.replace(`ReversePath "/${EDITED}/"`, 'ReversePath "/example/"'));
        expect(configBytes()?.equals(good ?? Buffer.alloc(0)), "arrangement: the file holds the charm's bytes").toBe(true);
        expect((await f.net.curl('/example/')).code, 'arrangement: tinyproxy still serves the hand-edited slug only').toBe(400);
        const r = await f.hook('update-status', BOUNDED);
        expectOk(r, ACTIVE);
        await expectRestored(f, pid, good);
        done();
      }),
    BOUNDED_TEST_MS,
  );

  it(
    'config file restored with cp -p from an old copy (old slug) and reloaded by hand: update-status restores the current slug',
    () =>
      isolated(async () => {
        const f = fixture();
        await serving(f, 'example');
        const dir = mkdtempSync(join(tmpdir(), 'tp-fault-old-config-'));
        try {
          const copy = join(dir, 'tinyproxy.conf');
          await mustRun(['cp', '-p', CONFIG_FILE, copy]);
          const pid = await serving(f, 'current');
          const good = configBytes();
          const done = tally.fault('config file restored from an old copy with cp -p, SIGUSR1 by hand');
          await mustRun(['cp', '-p', copy, CONFIG_FILE]);
          await reloadByHand(pid);
          expect((await f.net.curl('/example/')).code, 'arrangement: tinyproxy serves the old slug').toBe(200);
          const r = await f.hook('update-status', BOUNDED);
          expectOk(r, ACTIVE);
          await expectRestored(f, pid, good, 'current', 'example');
          done();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
    BOUNDED_TEST_MS,
  );

  for (const { silent, who } of STRANGERS) {
    it(
      `tinyproxy died and ${who} holds port 8000: update-status and config-changed are blocked naming it; once it leaves, update-status starts tinyproxy`,
      () =>
        isolated(async () => {
          const f = fixture();
          await serving(f, 'example');
          const done = tally.fault(`tinyproxy died, ${who} on port 8000`);
          await killTinyproxy();
          const stranger = await impersonateTinyproxy(f.net.serverNs, 8000, { slug: 'example', silent });
          try {
            for (const event of ['update-status', 'config-changed']) {
              const r = await f.hook(event, BOUNDED);
              expectPortInUse(r, 8000, [`node (pid ${stranger.pid})`]);
              expect(charmTinyproxyPids(), `${event}: no tinyproxy runs`).toEqual([]);
            }
          } finally {
            await stranger.stop();
          }
          const r = await f.hook('update-status', BOUNDED);
          expectOk(r, ACTIVE);
          expect(charmTinyproxyPids(), explain(r)).toHaveLength(1);
          await expectServed(f.net, 'example');
          expect(f.unit.openedPorts()).toEqual(['8000/tcp']);
          await expectNoForwardProxy(f.net);
          done();
        }),
      BOUNDED_TEST_MS,
    );

    it(
      `server-port moved to 8001, where ${who} listens: blocked naming it, config file byte-identical, still serving on 8000 with 8000/tcp opened, also after update-status; once it leaves, update-status moves`,
      () =>
        isolated(async () => {
          const f = fixture();
          const pid = await serving(f, 'example');
          const good = configBytes();
          const done = tally.fault(`server-port moved to 8001, ${who} there`);
          const stranger = await impersonateTinyproxy(f.net.serverNs, 8001, { slug: 'example', silent });
          try {
            configure(f, { 'server-port': 8001 });
            for (const event of ['config-changed', 'update-status']) {
              const r = await f.hook(event, BOUNDED);
              expectPortInUse(r, 8001, [`node (pid ${stranger.pid})`]);
              expect(configBytes()?.equals(good ?? Buffer.alloc(0)), `${event}: ${CONFIG_FILE} is byte-identical`).toBe(true);
              expect(charmTinyproxyPids(), `${event}: the same tinyproxy`).toEqual([pid]);
              expect(f.unit.openedPorts(), `${event}: the opened port`).toEqual(['8000/tcp']);
              await expectServed(f.net, 'example');
            }
          } finally {
            await stranger.stop();
          }
          const r = await f.hook('update-status', BOUNDED);
          expectOk(r, ACTIVE);
          expect(f.unit.openedPorts()).toEqual(['8001/tcp']);
          await expectServed(f.net, 'example', '', 8001);
          expect((await f.net.curl('/example/')).code, 'nothing answers on 8000 any more').toBe(0);
          await expectNoForwardProxy(f.net, 8001);
          done();
          await serving(f, 'example');
          expect(f.unit.openedPorts()).toEqual(['8000/tcp']);
        }),
      BOUNDED_TEST_MS,
    );

    it(
      `tinyproxy down and ${who} on 0.0.0.0:8000 only (IPv4): update-status and config-changed are blocked naming it; once it leaves, update-status serves over IPv4`,
      () =>
        isolated(async () => {
          const f = fixture();
          await serving(f, 'example');
          const done = tally.fault(`tinyproxy died, ${who} on 0.0.0.0:8000 only`);
          await killTinyproxy();
          const stranger = await impersonateTinyproxy(f.net.serverNs, 8000, { slug: 'example', hosts: ['0.0.0.0'], silent });
          try {
            for (const event of ['update-status', 'config-changed']) {
              expectPortInUse(await f.hook(event, BOUNDED), 8000, [`node (pid ${stranger.pid})`]);
            }
          } finally {
            await stranger.stop();
          }
          const r = await f.hook('update-status', BOUNDED);
          expectOk(r, ACTIVE);
          expect(charmTinyproxyPids(), explain(r)).toHaveLength(1);
          // The client reaches the server address over IPv4: served only if tinyproxy holds 0.0.0.0:8000 now.
          await expectServed(f.net, 'example');
          await expectNoForwardProxy(f.net);
          done();
        }),
      BOUNDED_TEST_MS,
    );
  }
}
