// What an operator, a crash or another program does to the workload behind the charm's back:
// tinyproxy killed or started by hand, its config file rewritten without a reload or edited in
// place so that nothing but its bytes changes, and writes done as the tinyproxy account.
import { spawn } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, closeSync, lstatSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findAccount } from '../../src/workload/account.ts';
import { waitUntil } from '../../testkit/poll.ts';
import { mustRun } from '../../testkit/process.ts';
import { pidAlive as isAlive, listensOn } from '../../testkit/procfs.ts';
import { ACCOUNT, BINARY, CONFIG_FILE, LOG_DIR, LOG_FILE } from './machine.ts';
import { charmTinyproxyPids, daemonEvents } from './observe.ts';

/** SIGKILLs the charm's tinyproxy (out of band) and waits until it is gone. */
export async function killTinyproxy(): Promise<number[]> {
  const pids = charmTinyproxyPids();
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  await waitUntil('tinyproxy to die', () => pids.every((pid) => !isAlive(pid)), 5000, 10);
  return pids;
}

/**
 * Starts tinyproxy exactly as the charm's direct mode does (`tinyproxy -d -c <config>`, its own
 * session, output appended to the log) inside the namespace, without waiting for it: the state a
 * start hook killed during its wait leaves behind.
 */
export async function startTinyproxyByHand(namespace: string, port = 8000): Promise<number> {
  const startsBefore = daemonEvents().starts;
  const log = openSync(LOG_FILE, 'a', 0o640);
  const child = spawn('ip', ['netns', 'exec', namespace, BINARY, '-d', '-c', CONFIG_FILE], { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start tinyproxy');
  // `ip netns exec` execs tinyproxy in the same process; the state a killed start leaves is a
  // tinyproxy that got through its start-up (logged it, listens), which a retry comes long after.
  await waitUntil('tinyproxy to exec', () => charmTinyproxyPids().includes(pid), 5000, 10);
  await waitUntil('tinyproxy to log its start', () => daemonEvents().starts > startsBefore, 5000, 10);
  await waitUntil(`tinyproxy to listen on ${port}`, () => listensOn(pid, port), 5000, 10);
  return pid;
}

/** The running config with its ReversePath moved to `slug`: what config-changed writes before it reloads. */
export function configFor(slug: string, text = readFileSync(CONFIG_FILE, 'utf8')): string {
  const moved = text.replace(/^ReversePath "\/[^"]*\/" /m, `ReversePath "/${slug}/" `);
  if (moved === text) throw new Error(`no ReversePath line to move in ${CONFIG_FILE}`);
  return moved;
}

/** Writes the config file in place (no reload), as a hook killed after writing it would leave it. */
export function writeConfigWithoutReload(text: string): void {
  writeFileSync(CONFIG_FILE, text);
}

/** SIGUSR1 to tinyproxy by hand, as an operator would; waits until its log shows the reload. */
export async function reloadByHand(pid: number): Promise<void> {
  const before = daemonEvents().reloads;
  process.kill(pid, 'SIGUSR1');
  await waitUntil('tinyproxy to reload its config file', () => daemonEvents().reloads > before, 5000, 10);
}

const PLAIN_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' };

/** Runs a shell script as the tinyproxy account (its uid and gid, no supplementary groups). */
export async function asAccount(script: string): Promise<void> {
  await mustRun(['setpriv', `--reuid=${ACCOUNT}`, `--regid=${ACCOUNT}`, '--clear-groups', '--', 'sh', '-euc', script], { env: PLAIN_ENV, timeoutMs: 10_000 });
}

/** Copies `from`'s timestamps onto `to` with nanoseconds, as `touch -r` does. */
const touchReference = (from: string, to: string): Promise<unknown> => mustRun(['touch', '-r', from, to], { env: PLAIN_ENV });

/**
 * Rewrites the config file's bytes in place: same inode, same size, and its mtime put back with
 * `touch -r` (nanoseconds included), so only the content (and ctime) tells that it changed.
 */
export async function editConfigInPlace(change: (text: string) => string): Promise<void> {
  const before = statSync(CONFIG_FILE, { bigint: true });
  const text = readFileSync(CONFIG_FILE, 'utf8');
  const edited = change(text);
  if (Buffer.byteLength(edited) !== Buffer.byteLength(text)) throw new Error('editConfigInPlace: the edit must keep the size');
  const dir = mkdtempSync(join(tmpdir(), 'tp-fault-mtime-'));
  try {
    const reference = join(dir, 'reference');
    writeFileSync(reference, '');
    await touchReference(CONFIG_FILE, reference);
    const fd = openSync(CONFIG_FILE, 'r+');
    try {
      writeSync(fd, edited, 0, 'utf8');
    } finally {
      closeSync(fd);
    }
    await touchReference(reference, CONFIG_FILE);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const after = statSync(CONFIG_FILE, { bigint: true });
  if (after.ino !== before.ino || after.size !== before.size || after.mtimeNs !== before.mtimeNs) {
    throw new Error(`editConfigInPlace: ${CONFIG_FILE} changed inode, size or mtime`);
  }
}

/** Gives the log folder to the account, as Debian's own tinyproxy package does; returns the undo. */
export function giveLogFolderToAccount(): () => void {
  const before = statSync(LOG_DIR);
  const account = findAccount(ACCOUNT);
  if (!account) throw new Error(`no ${ACCOUNT} account to give ${LOG_DIR} to`);
  chownSync(LOG_DIR, account.uid, account.gid);
  return () => {
    chownSync(LOG_DIR, before.uid, before.gid);
    chmodSync(LOG_DIR, before.mode & 0o7777);
  };
}

/** Removes whatever is at `path` unless it is a regular file of at most `maxBytes` (what the charm or tinyproxy writes there). */
export function removeUnlessPlainFile(path: string, maxBytes: number): void {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (st && (!st.isFile() || st.size > maxBytes)) rmSync(path, { recursive: true, force: true });
}

/** Appends `bytes` of plain filler lines (nothing tinyproxy or the suite looks for) to tinyproxy.log, as root. */
export function growLog(bytes: number): void {
  const line = `${'filler '.repeat(15)}\n`;
  appendFileSync(LOG_FILE, line.repeat(Math.ceil(bytes / line.length)));
}
