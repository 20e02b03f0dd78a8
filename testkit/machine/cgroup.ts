// Per-machine host cgroups: nspawn runs inside its own cgroup so its payload/supervisor debris is scoped and removable.
import { writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir } from 'node:fs/promises';
import { waitUntil } from '../poll.ts';

/** A mounted cgroup hierarchy nspawn uses: the cgroup2 tree or the v1 name=systemd tree. */
export interface CgroupHierarchy {
  mountPoint: string;
  unified: boolean;
}

/** The cgroup2 and name=systemd hierarchies mounted on this host (what nspawn creates cgroups in). */
export async function cgroupHierarchies(): Promise<CgroupHierarchy[]> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const found: CgroupHierarchy[] = [];
  for (const line of mountinfo.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (pre === undefined || post === undefined) continue;
    const mountPoint = pre.split(' ')[4];
    const [fstype, , superOpts] = post.split(' ');
    if (mountPoint === undefined) continue;
    if (fstype === 'cgroup2') found.push({ mountPoint, unified: true });
    else if (fstype === 'cgroup' && (superOpts ?? '').split(',').includes('name=systemd')) found.push({ mountPoint, unified: false });
  }
  return found;
}

/** The per-machine cgroup directories (one per hierarchy) for a machine name. */
export async function machineCgroupDirs(name: string): Promise<string[]> {
  return (await cgroupHierarchies()).map((h) => `${h.mountPoint}/tinyproxy-charm-machine-${name}`);
}

/** Creates the per-machine cgroups (idempotent). */
export async function createMachineCgroups(name: string): Promise<string[]> {
  const dirs = await machineCgroupDirs(name);
  for (const d of dirs) await mkdir(d, { recursive: true });
  return dirs;
}

/** Host PIDs of every process anywhere in the cgroup subtree at `dir` (empty if it doesn't exist). */
export async function cgroupPids(dir: string): Promise<number[]> {
  const pids: number[] = [];
  const procs = await readFile(`${dir}/cgroup.procs`, 'utf8').catch(() => '');
  for (const p of procs.split('\n')) if (p !== '') pids.push(Number(p));
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) pids.push(...(await cgroupPids(`${dir}/${e.name}`)));
  return pids;
}

/** SIGKILLs everything in the per-machine cgroups and waits (bounded) until they are empty. */
export async function killMachineCgroups(name: string, timeoutMs = 10_000): Promise<void> {
  const dirs = await machineCgroupDirs(name);
  const all = async (sub: string): Promise<number[]> => (await Promise.all(dirs.map((d) => cgroupPids(`${d}${sub}`)))).flat();
  if ((await all('')).length === 0) return;
  // The container first: nspawn then reaps its PID 1 and exits by itself. Killing both at once
  // orphans the container's PID 1 to the host's PID 1, which here reaps zombies only every few seconds.
  killAll(
    await all('/payload'),
    dirs.map((d) => `${d}/payload`),
  );
  const emptied = async (): Promise<true | string> => {
    const pids = await all('');
    return pids.length === 0 || `still alive: ${pids.join(' ')}`;
  };
  // Up to 3 s for that; whatever is left then is killed too.
  if (
    await waitUntil('the machine payload to exit', emptied, 3_000).then(
      () => true,
      () => false,
    )
  )
    return;
  await waitUntil(
    `the processes in machine cgroups ${dirs.join(' ')} to die`,
    async () => {
      const left = await emptied();
      if (left !== true) killAll(await all(''), dirs);
      return left;
    },
    timeoutMs,
    50,
  );
}

/** SIGKILLs the pids, and via cgroup.kill (cgroup2 only) whatever else is in the cgroup dirs. */
function killAll(pids: readonly number[], cgroupDirs: readonly string[]): void {
  for (const d of cgroupDirs) {
    try {
      writeFileSync(`${d}/cgroup.kill`, '1');
    } catch {
      // v1 hierarchy or gone
    }
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Removes an (empty) cgroup subtree depth-first; returns false if something could not be removed. */
async function removeCgroupTree(dir: string): Promise<boolean> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  if (entries === null) return true;
  let ok = true;
  for (const e of entries) if (e.isDirectory()) ok = (await removeCgroupTree(`${dir}/${e.name}`)) && ok;
  const removed = async (): Promise<boolean | string> => {
    try {
      await rmdir(dir);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return true;
      // EBUSY right after the last process died: the kernel releases the cgroup asynchronously.
      if (code === 'EBUSY') return 'EBUSY';
      throw e;
    }
  };
  return waitUntil(`cgroup ${dir} to be removed`, removed, 1_000).then(
    () => ok,
    () => false,
  );
}

/** Removes the per-machine cgroups; throws if they cannot be removed (processes left). */
export async function removeMachineCgroups(name: string): Promise<void> {
  for (const d of await machineCgroupDirs(name)) {
    if (!(await removeCgroupTree(d))) throw new Error(`cannot remove cgroup ${d}`);
  }
}

/**
 * Best effort: removes empty top-level `payload`/`supervisor` cgroups that an nspawn started from the
 * root cgroup (not by this harness) leaves behind on a host without systemd. Populated ones stay.
 */
export async function removeRootNspawnDebris(): Promise<void> {
  for (const h of await cgroupHierarchies()) {
    for (const d of ['payload', 'supervisor']) {
      const dir = `${h.mountPoint}/${d}`;
      if ((await cgroupPids(dir)).length === 0) await removeCgroupTree(dir);
    }
  }
}
