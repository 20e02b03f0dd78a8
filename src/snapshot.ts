// The charm's side of dispatch's start-up snapshot bookkeeping (see dispatch): checks that cost
// dispatch a fork and an exec of stat cost the charm a few stat calls, so they happen here.
import { statSync } from 'node:fs';

const NS = 1_000_000_000n;
const seconds = (ns: bigint): string => `${ns / NS}.${String(ns % NS).padStart(9, '0')}`;

/**
 * The identity of `files` exactly as dispatch records it with `stat -L --printf
 * '%d:%i:%s:%.9Y:%.9Z;'` (device, inode, size, mtime, ctime), or '' if one cannot be read.
 */
export function identity(files: readonly string[]): string {
  try {
    return files
      .map((file) => {
        const s = statSync(file, { bigint: true });
        return `${s.dev}:${s.ino}:${s.size}:${seconds(s.mtimeNs)}:${seconds(s.ctimeNs)};`;
      })
      .join('');
  } catch {
    return '';
  }
}

/** Whether this node has Node's own start-up snapshot (the official builds; not Debian's or Ubuntu's). */
export function hasBuiltinSnapshot(): boolean {
  return (process.config.variables as { node_use_node_snapshot?: unknown }).node_use_node_snapshot === true;
}
