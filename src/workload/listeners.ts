import { readFileSync } from 'node:fs';
import { findProcesses, socketInodes, type ProcessInfo } from './procfs.ts';

const TCP_LISTEN = '0A';

/** Inodes of TCP sockets listening on `port` in this network namespace (IPv4 and IPv6). */
export function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      if (local?.endsWith(`:${hexPort}`) && fields[3] === TCP_LISTEN && fields[9]) inodes.add(fields[9]);
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
