import { closeSync, openSync, readSync } from 'node:fs';
import { findProcesses, type ProcessInfo, socketInodes } from './procfs.ts';

const TCP_LISTEN = '0A';
const TCP_SYN_RECV = '03';
/** At most this much of each table is read: the listeners come first, and a port has few. */
export const TABLE_READ_MAX = 4 * 1024 * 1024;

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
    for (let total = 0; total < TABLE_READ_MAX; ) {
      const length = readSync(fd, buffer, 0, buffer.length, null);
      if (length === 0) return;
      total += length;
      const lines = (pending + buffer.toString('latin1', 0, length)).split('\n');
      // split returns at least one element: the unfinished last line, read on with the next chunk.
      pending = lines.pop() as string;
      for (const line of lines) {
        const fields = line.trim().split(/\s+/);
        // The header: `sl local_address rem_address st ...`.
        if (fields[0] === 'sl') continue;
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

/** The tables of TCP sockets under a /proc root. */
const tcpTables = (proc: string): string[] => [`${proc}/net/tcp`, `${proc}/net/tcp6`];

/** Inodes of TCP sockets listening on `port` in this network namespace (IPv4 and IPv6). */
export function listeningInodes(port: number, tables: readonly string[] = tcpTables('/proc')): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of tables) {
    for (const fields of listeningLines(table)) {
      // Every listener line has all its fields: local address second, inode tenth.
      if ((fields[1] as string).endsWith(`:${hexPort}`)) inodes.add(fields[9] as string);
    }
  }
  return inodes;
}

/** The processes holding any of these socket inodes; without inodes, /proc is not scanned. */
function holdersOf(inodes: ReadonlySet<string>, proc: string): ProcessInfo[] {
  if (inodes.size === 0) return [];
  return findProcesses((info) => [...socketInodes(info.pid, proc)].some((inode) => inodes.has(inode)), undefined, proc);
}

/** The processes holding a listening socket on `port`; empty when the port is free. */
export const portHolders = (port: number, proc = '/proc'): ProcessInfo[] => holdersOf(listeningInodes(port, tcpTables(proc)), proc);

/** Names the processes holding a port, e.g. `nc (pid 42)`, for a message. */
export const holderNames = (holders: readonly ProcessInfo[]): string => (holders.length === 0 ? 'a process this unit cannot see' : holders.map((info) => `${info.comm} (pid ${info.pid})`).join(', '));

/** Describes who holds a port, for an error message. */
export const describeHolders = (port: number, holders: readonly ProcessInfo[]): string => `port ${port} is already in use by ${holderNames(holders)}`;

/** The listening sockets on a port: how many `pid` holds, and the other processes holding one. */
export interface PortListeners {
  readonly ours: number;
  readonly strangers: readonly ProcessInfo[];
  /** Listening sockets on the port that `pid` does not hold (0 when the port is all ours or free). */
  readonly foreign: number;
}

/** Who listens on `port`, seen from the process `pid` (undefined: no process of ours), under `proc` (/proc unless a test gives its own). */
export function portListeners(port: number, pid: number | undefined, proc = '/proc'): PortListeners {
  const inodes = listeningInodes(port, tcpTables(proc));
  // No process of ours: no <proc>/undefined/fd is read.
  const mine = pid === undefined ? new Set<string>() : socketInodes(pid, proc);
  const foreign = new Set([...inodes].filter((inode) => !mine.has(inode)));
  return { ours: inodes.size - foreign.size, strangers: holdersOf(foreign, proc), foreign: foreign.size };
}
