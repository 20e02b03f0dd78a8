// A hostile tinyproxy account (issue 10): whoever takes over tinyproxy can do what its account can,
// and that account owns /run/tinyproxy, and /var/log/tinyproxy once the folder is given to it as
// Debian's own package does. The writes below are done AS that account. What it plants (links to a
// root-owned canary or to /dev/zero, FIFOs, folders, a socket, a huge sparse file) must never be
// followed, written through or block a hook, and a tinyproxy that crashed must serve again.
import { lstatSync, statSync } from 'node:fs';
import { expect, it } from 'vitest';
import { expectOk, expectRequestLogged, expectServed, plantCanary } from '../checks.ts';
import type { HookOptions } from '../fixture.ts';
import { type Helper, listenUnixAs } from '../holders.ts';
import { ACCOUNT, ACTIVE, LOG_DIR, LOG_FILE, LOG_MAX_BYTES, PID_FILE, ROTATED_LOG_FILE } from '../machine.ts';
import { charmTinyproxyPids } from '../observe.ts';
import { asAccount, giveLogFolderToAccount, growLog, killTinyproxy, removeUnlessPlainFile } from '../out-of-band.ts';
import { BOUNDED, BOUNDED_TEST_MS, isolated, type SuiteContext, serving } from '../suite.ts';
import { expectUnprivileged } from './first-start.ts';

/** A hook that might read a device or a huge file whole dies of ENOMEM at 1 GiB instead of eating the machine. */
const HOSTILE: HookOptions = { ...BOUNDED, dataLimitBytes: 1024 ** 3 };

interface Plant {
  readonly name: string;
  /** What the account runs (sh -euc) to replace `path`; `canary` is a root-owned file. */
  readonly script?: (path: string, canary: string) => string;
  /** Plants a unix socket held open by a process of the account instead. */
  readonly socket?: true;
}

const LINK_TO_CANARY: Plant = { name: 'a symlink to a root-owned canary', script: (p, c) => `rm -rf ${p}; ln -s ${c} ${p}` };
const FIFO: Plant = { name: 'a FIFO', script: (p) => `rm -rf ${p}; mkfifo ${p}` };
const DIRECTORY: Plant = { name: 'a directory', script: (p) => `rm -rf ${p}; mkdir ${p}` };

const PID_PLANTS: readonly Plant[] = [
  LINK_TO_CANARY,
  FIFO,
  DIRECTORY,
  { name: 'a symlink to /dev/zero', script: (p) => `rm -rf ${p}; ln -s /dev/zero ${p}` },
  { name: 'a 64 GiB sparse file', script: (p) => `rm -rf ${p}; truncate -s 64G ${p}` },
  { name: 'a listening unix socket', socket: true },
];

const LOG_PLANTS: readonly Plant[] = [LINK_TO_CANARY, FIFO, DIRECTORY];

async function plantAt(plant: Plant, path: string, canary: string): Promise<Helper | undefined> {
  if (plant.socket) {
    await asAccount(`rm -rf ${path}`);
    return listenUnixAs(ACCOUNT, path);
  }
  await asAccount(plant.script?.(path, canary) ?? 'false');
  return undefined;
}

export function registerHostileAccount({ fixture, tally }: SuiteContext): void {
  for (const plant of PID_PLANTS) {
    it(
      `the account replaces the pid file with ${plant.name}, then tinyproxy crashes: update-status returns, follows nothing, starts tinyproxy again and is active`,
      () =>
        isolated(async () => {
          const f = fixture();
          const old = await serving(f, 'example');
          const canary = plantCanary();
          let holder: Helper | undefined;
          const done = tally.fault(`pid file replaced by the account with ${plant.name}`);
          try {
            holder = await plantAt(plant, PID_FILE, canary.path);
            await killTinyproxy();
            const r = await f.hook('update-status', HOSTILE);
            expectOk(r, ACTIVE);
            canary.expectUntouched();
            const pids = charmTinyproxyPids();
            expect(pids, 'one new tinyproxy').toHaveLength(1);
            expect(pids).not.toContain(old);
            expectUnprivileged(pids[0] as number);
            await expectServed(f.net, 'example');
            done();
          } finally {
            await holder?.stop();
            removeUnlessPlainFile(PID_FILE, 64);
            canary.remove();
          }
        }),
      BOUNDED_TEST_MS,
    );
  }

  for (const plant of LOG_PLANTS) {
    it(
      `the log folder given to the account, tinyproxy.log replaced by it with ${plant.name}, then tinyproxy crashes: update-status follows nothing and serves, logging to a regular tinyproxy.log in a root-owned 0750 folder`,
      () =>
        isolated(async () => {
          const f = fixture();
          await serving(f, 'example');
          const canary = plantCanary();
          const restoreFolder = giveLogFolderToAccount();
          const done = tally.fault(`tinyproxy.log replaced by the account with ${plant.name}`);
          try {
            await plantAt(plant, LOG_FILE, canary.path);
            await killTinyproxy();
            const r = await f.hook('update-status', HOSTILE);
            expectOk(r, ACTIVE);
            canary.expectUntouched();
            expect(lstatSync(LOG_FILE).isFile(), `${LOG_FILE} is a regular file again`).toBe(true);
            const folder = statSync(LOG_DIR);
            expect([folder.uid, folder.gid, (folder.mode & 0o7777).toString(8)], `${LOG_DIR} owner and mode`).toEqual([0, 0, '750']);
            expect(charmTinyproxyPids()).toHaveLength(1);
            await expectServed(f.net, 'example');
            await expectRequestLogged(f.net, 'example');
            done();
          } finally {
            removeUnlessPlainFile(LOG_FILE, 64 * LOG_MAX_BYTES);
            restoreFolder();
            canary.remove();
          }
        }),
      BOUNDED_TEST_MS,
    );

    it(
      `the log folder given to the account, tinyproxy.log over 1 MiB and tinyproxy.log.1 replaced by it with ${plant.name}: update-status rotates without following or blocking on it`,
      () =>
        isolated(async () => {
          const f = fixture();
          await serving(f, 'example');
          const canary = plantCanary();
          growLog(LOG_MAX_BYTES + LOG_MAX_BYTES / 2);
          const restoreFolder = giveLogFolderToAccount();
          const done = tally.fault(`tinyproxy.log.1 replaced by the account with ${plant.name}, rotation due`);
          try {
            await plantAt(plant, ROTATED_LOG_FILE, canary.path);
            const r = await f.hook('update-status', HOSTILE);
            expectOk(r, ACTIVE);
            canary.expectUntouched();
            for (const path of [LOG_FILE, ROTATED_LOG_FILE]) {
              const st = lstatSync(path);
              expect(st.isFile(), `${path} is a regular file`).toBe(true);
              expect(st.size, `${path} size`).toBeLessThanOrEqual(LOG_MAX_BYTES);
            }
            await expectRequestLogged(f.net, 'example');
            done();
          } finally {
            removeUnlessPlainFile(ROTATED_LOG_FILE, LOG_MAX_BYTES);
            restoreFolder();
            canary.remove();
          }
        }),
      BOUNDED_TEST_MS,
    );
  }
}
