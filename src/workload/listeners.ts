import { closeSync, openSync, readSync } from 'node:fs';
import { findProcesses, socketInodes, type ProcessInfo } from './procfs.ts';

const TCP_LISTEN = '0A';
const TCP_SYN_RECV = '03';
const TABLE_READ_MAX = 4 * 1024 * 1024;

/**
 * The listening-socket lines of /proc/net/tcp or tcp6, split into fields. The kernel lists its
 * listening hash before the established one, so reading stops at the first line in another
 * state: a proxy with thousands of open or TIME_WAIT connections costs a page, not the table.
 */
function* listeningLines(table: string): Generator<readonly string[]> {
  let fd: number;
  try {
    fd = openSync(table, 'r');
  } catch {
    return;
  }
  try {
    const buffer = Buffer.alloc(16 * 1024);
    let pending = '';
    let header = true;
    for (let total = 0; total < TABLE_READ_MAX; ) {
      const length = readSync(fd, buffer, 0, buffer.length, null);
      if (length === 0) return;
      total += length;
      const lines = (pending + buffer.toString('latin1', 0, length)).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (header) {
          header = false;
          continue;
        }
        const fields = line.trim().split(/\s+/);
        // Old kernels list a listener's pending connections (SYN_RECV) right after it.
        if (fields[3] === TCP_SYN_RECV) continue;
        if (fields[3] !== TCP_LISTEN) return;
        yield fields;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** Inodes of TCP sockets listening on `port` in this network namespace (IPv4 and IPv6). */
export function listeningInodes(port: number, tables: readonly string[] = ['/proc/net/tcp', '/proc/net/tcp6']): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of tables) {
    for (const fields of listeningLines(table)) {
      if (fields[1]?.endsWith(`:${hexPort}`) && fields[9]) inodes.add(fields[9]);
    }
  }
  return inodes;
}

/** The processes holding a listening socket on `port`; empty when the port is free. */
export function portHolders(port: number): ProcessInfo[] {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return [];
  return findProcesses((info) => [...socketInodes(info.pid)].some((inode) => inodes.has(inode)));
}

/** Names the processes holding a port, e.g. `nc (pid 42)`, for a message. */
export const holderNames = (holders: readonly ProcessInfo[]): string =>
  holders.length === 0 ? 'a process this unit cannot see' : holders.map((info) => `${info.comm} (pid ${info.pid})`).join(', ');

/** Describes who holds a port, for an error message. */
export const describeHolders = (port: number, holders: readonly ProcessInfo[]): string => `port ${port} is already in use by ${holderNames(holders)}`;

/** The listening sockets on a port: how many `pid` holds, and the other processes holding one. */
export interface PortListeners {
  readonly ours: number;
  readonly strangers: readonly ProcessInfo[];
  /** Listening sockets on the port that `pid` does not hold (0 when the port is all ours or free). */
  readonly foreign: number;
}

/** Who listens on `port`, seen from the process `pid` (undefined: no process of ours). */
export function portListeners(port: number, pid: number | undefined): PortListeners {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return { ours: 0, strangers: [], foreign: 0 };
  const mine = pid === undefined ? new Set<string>() : socketInodes(pid);
  const foreign = new Set([...inodes].filter((inode) => !mine.has(inode)));
  const strangers = foreign.size === 0 ? [] : findProcesses((info) => info.pid !== pid && [...socketInodes(info.pid)].some((inode) => foreign.has(inode)));
  return { ours: inodes.size - foreign.size, strangers, foreign: foreign.size };
}
