// The charm's side of dispatch's start-up snapshot bookkeeping (see dispatch): checks that cost
// dispatch a fork and an exec of stat cost the charm a few stat calls, so they happen here.
import { rmSync, statSync } from 'node:fs';

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

/**
 * dispatch trusts its verdict "node has its own start-up snapshot" without checking the runtime
 * again; a runtime that has none (nodejs replaced by the distribution's) drops the verdict here, so
 * that the next hook builds a snapshot.
 */
export function recheckBuiltinVerdict(stateFile: string): void {
  if (hasBuiltinSnapshot()) return;
  try {
    rmSync(stateFile, { force: true });
  } catch {
    // dispatch rebuilds on the next change of the runtime or the charm anyway.
  }
}
