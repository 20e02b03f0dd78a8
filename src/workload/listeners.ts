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

/** Describes who holds a port, for an error message. */
export function describeHolders(port: number, holders: readonly ProcessInfo[]): string {
  if (holders.length === 0) return `port ${port} is already in use (holder not found)`;
  const names = holders.map((info) => `${info.comm} (pid ${info.pid})`).join(', ');
  return `port ${port} is already in use by ${names}`;
}

/** Whether the process holds a listening socket on `port`. */
export function listensOn(pid: number, port: number): boolean {
  const inodes = listeningInodes(port);
  return [...socketInodes(pid)].some((inode) => inodes.has(inode));
}
