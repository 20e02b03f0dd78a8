import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** What /proc says about one process. */
export interface ProcessInfo {
  readonly pid: number;
  readonly comm: string;
  /** One-letter state from /proc/<pid>/stat: R, S, D, Z (zombie), X (dead), ... */
  readonly state: string;
  readonly argv: readonly string[];
  readonly uid: number;
}

const readText = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    // Gone (ENOENT, ESRCH): undefined.
  }
};

const readLink = (path: string): string | undefined => {
  try {
    return readlinkSync(path);
  } catch {
    // Gone (an fd closed while we looked): undefined.
  }
};

const statIn = (dir: string): Pick<ProcessInfo, 'comm' | 'state'> | undefined => {
  const stat = readText(`${dir}/stat`);
  if (stat === undefined) return undefined;
  // The comm field is in parentheses and may itself contain ') ', so split at the last one.
  const close = stat.lastIndexOf(')');
  return { comm: stat.slice(stat.indexOf('(') + 1, close), state: stat.slice(close + 2, close + 3) };
};

const processIn = (dir: string, pid: number): ProcessInfo | undefined => {
  const stat = statIn(dir);
  const status = readText(`${dir}/status`);
  const cmdline = readText(`${dir}/cmdline`);
  // One file missing and not the others: the process exited between the reads.
  if (stat === undefined || status === undefined || cmdline === undefined) return undefined;
  // Every status has `Uid:\t<real>\t<effective>...`; anchored, so that a process name cannot fake it.
  const [, uid] = /^Uid:\t(\d+)/m.exec(status) as RegExpExecArray;
  return { pid, ...stat, argv: cmdline.split('\0').filter((part) => part !== ''), uid: Number(uid) };
};

/** A process's name and one-letter state from /proc/<pid>/stat: one read, the cheap first look. */
export const readStat = (pid: number): Pick<ProcessInfo, 'comm' | 'state'> | undefined => statIn(`/proc/${pid}`);

/** Reads one process from /proc, or undefined if it is gone. */
export const readProcess = (pid: number): ProcessInfo | undefined => processIn(`/proc/${pid}`, pid);

/** True when the process exists and has not exited (a zombie has exited). */
export const isAlive = (info: ProcessInfo | undefined): info is ProcessInfo => info !== undefined && info.state !== 'Z' && info.state !== 'X';

/** True when the process is stopped by a signal (SIGSTOP, SIGTSTP) or a tracer: it answers nothing. */
export const isStopped = (info: ProcessInfo): boolean => info.state === 'T' || info.state === 't';

/** Every live process (under `proc`, /proc unless a test gives its own) for which `match` holds; with `comm`, only processes of that name are read in full. */
export function findProcesses(match: (info: ProcessInfo) => boolean, comm?: string, proc = '/proc'): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync(proc)) {
    // Only pid folders: self and thread-self are links to one, the rest is not a process.
    if (!/^\d+$/.test(entry)) continue;
    const dir = `${proc}/${entry}`;
    // No stat: the process exited since readdir.
    if (comm !== undefined && statIn(dir)?.comm !== comm) continue;
    const info = processIn(dir, Number(entry));
    if (isAlive(info) && match(info)) found.push(info);
  }
  return found;
}

/** The socket inodes a process holds open (under `proc`, /proc unless a test gives its own). */
export function socketInodes(pid: number, proc = '/proc'): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`${proc}/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    const match = /^socket:\[(\d+)\]/.exec(String(readLink(`${proc}/${pid}/fd/${fd}`)));
    if (match) inodes.add(match[1] as string);
  }
  return inodes;
}
