// Removal of what systemd-nspawn leaves on a host whose PID 1 is not systemd (/run/systemd/nspawn, mounts).
import { readdir, readFile, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { waitUntil } from '../poll.ts';
import { mustRun, runCommand } from '../process.ts';

/** nspawn's runtime dir on the host. */
const NSPAWN_RUN_DIR = '/run/systemd/nspawn';

/** Mount points at or below `dir` in this mount namespace, deepest first. */
async function mountsBelow(dir: string): Promise<string[]> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  return mountinfo
    .split('\n')
    .map((l) => l.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((m): m is string => m !== undefined && (m === dir || m.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
}

/** Unmounts `target` (retrying while busy, then lazily); ok if it is not mounted. */
export async function unmount(target: string): Promise<void> {
  const unmounted = async (): Promise<boolean> => {
    const mounts = await mountsBelow(target);
    for (const m of mounts) await runCommand(['umount', m], { timeoutMs: 30_000 });
    return mounts.length === 0;
  };
  // Busy for a moment after its last process died; lazily unmounted when that does not pass.
  if (
    await waitUntil(`${target} to be unmounted`, unmounted, 1_000, 50).then(
      () => true,
      () => false,
    )
  )
    return;
  for (const m of await mountsBelow(target)) await runCommand(['umount', '-l', m], { timeoutMs: 30_000 });
  if ((await mountsBelow(target)).length > 0) throw new Error(`cannot unmount ${target}`);
}

/** Inode numbers of files currently flock()ed by any process (from /proc/locks). */
async function lockedInodes(): Promise<Set<number>> {
  const locks = await readFile('/proc/locks', 'utf8').catch(() => '');
  const inodes = new Set<number>();
  for (const line of locks.split('\n')) {
    const m = /\s[0-9a-f]+:[0-9a-f]+:(\d+)\s/.exec(line);
    if (m?.[1] !== undefined) inodes.add(Number(m[1]));
  }
  return inodes;
}

/**
 * Removes this machine's entries under /run/systemd/nspawn (propagate/<name>, unix-export/<name>),
 * lock files nobody holds any more, then the dirs themselves when empty (other machines' stay).
 */
export async function cleanNspawnRunDir(name: string): Promise<void> {
  for (const sub of ['propagate', 'unix-export']) {
    const p = `${NSPAWN_RUN_DIR}/${sub}/${name}`;
    for (const m of await mountsBelow(p)) await runCommand(['umount', '-l', m], { timeoutMs: 30_000 });
    await rm(p, { recursive: true, force: true });
  }
  const locksDir = `${NSPAWN_RUN_DIR}/locks`;
  const held = await lockedInodes();
  for (const f of await readdir(locksDir).catch(() => [])) {
    const st = await stat(`${locksDir}/${f}`).catch(() => null);
    if (st?.isFile() === true && !held.has(st.ino)) await unlink(`${locksDir}/${f}`).catch(() => undefined);
  }
  for (const d of ['propagate', 'unix-export', 'locks', '']) {
    await rmdir(`${NSPAWN_RUN_DIR}/${d}`).catch(() => undefined);
  }
}

/** rm -rf that first unmounts anything below `dir` (a crashed debootstrap can leave /proc, /sys mounted). */
export async function removeTree(dir: string): Promise<void> {
  await unmount(dir);
  // --one-file-system: never descend into something still mounted.
  await mustRun(['rm', '-rf', '--one-file-system', '--', dir], { timeoutMs: 120_000 });
}
