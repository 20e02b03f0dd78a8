// The tests' one /proc observer: which processes run on this host, what they run as, whether
// they are alive, what they listen on. Built on the charm's own /proc parser (src/workload/procfs.ts), so the suites
// see a process the way the charm does.
import { readdirSync, readFileSync } from 'node:fs';
import { listeningInodes } from '../src/workload/listeners.ts';
import { readStat } from '../src/workload/procfs.ts';

const readText = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** The PIDs in /proc right now (threads excluded). */
const pids = (): number[] =>
  readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);

/** True while a process with this host PID exists and is not a zombie. */
export function pidAlive(pid: number): boolean {
  const state = readStat(pid)?.state;
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** PIDs of live processes whose command name is exactly `comm`. */
export function processesNamed(comm: string): number[] {
  return pids().filter((pid) => {
    const stat = readStat(pid);
    return stat?.comm === comm && stat.state !== 'Z' && stat.state !== 'X';
  });
}

/** The argv of a live process (empty when it is gone). */
export const argvOf = (pid: number): string[] => (readText(`/proc/${pid}/cmdline`) ?? '').split('\0').filter((a) => a !== '');

/** PIDs of the processes in process group `pgid`. */
export function groupMembers(pgid: number): number[] {
  return pids().filter((pid) => {
    const stat = readText(`/proc/${pid}/stat`) ?? '';
    // After "pid (comm) ": state ppid pgrp ...
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid;
  });
}

/** Real, effective, saved and filesystem uids (or gids), and supplementary groups, of a process. */
export interface Credentials {
  readonly uids: number[];
  readonly gids: number[];
  readonly groups: number[];
}

/** The credentials of a process from /proc/<pid>/status (empty lists when it is gone). */
export function credentialsOf(pid: number): Credentials {
  const status = readText(`/proc/${pid}/status`) ?? '';
  const numbers = (field: string): number[] =>
    (new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '')
      .split(/\s+/)
      .filter((s) => s !== '')
      .map(Number);
  return { uids: numbers('Uid'), gids: numbers('Gid'), groups: numbers('Groups') };
}

/** The direct children of a process, with their command names. */
export function childrenOf(pid: number): Array<{ pid: number; comm: string }> {
  const children = (readText(`/proc/${pid}/task/${pid}/children`) ?? '').split(/\s+/).filter((c) => c !== '');
  return children.map((c) => ({ pid: Number(c), comm: readStat(Number(c))?.comm ?? '' }));
}

/** True when the network namespace of `pid` has a TCP listener on `port` (the charm's reader of /proc/<pid>/net/tcp{,6}). */
export const listensOn = (pid: number, port: number): boolean => listeningInodes(port, [`/proc/${pid}/net/tcp`, `/proc/${pid}/net/tcp6`]).size > 0;
