// A folder laid out like /proc, for the races the real one shows too rarely to test: a process
// exiting between two reads, an entry that is no process, a folder that must not be read.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

type ProcFile = 'stat' | 'status' | 'cmdline';

/** An empty fake /proc, removed when the test ends. */
export function fakeProc(): string {
  const root = mkdtempSync(join(tmpdir(), 'fake-proc-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

/** Adds the entry `name` (a pid or not) as a sleeping `comm`, uid 1000, holding `sockets`; `missing` files are left out. */
export function addProcess(root: string, name: string, { comm = 'sleep', sockets = [], missing = [] }: { comm?: string; sockets?: readonly string[]; missing?: readonly ProcFile[] } = {}): void {
  const dir = join(root, name);
  mkdirSync(join(dir, 'fd'), { recursive: true });
  const files: Record<ProcFile, string> = {
    stat: `${name} (${comm}) S 1 ${name} ${name} 0 -1\n`,
    status: `Name:\t${comm}\nUid:\t1000\t1000\t1000\t1000\n`,
    cmdline: `${[comm, '30'].join('\0')}\0`,
  };
  for (const [file, text] of Object.entries(files)) if (!missing.includes(file as ProcFile)) writeFileSync(join(dir, file), text);
  for (const [fd, inode] of sockets.entries()) symlinkSync(`socket:[${inode}]`, join(dir, 'fd', String(fd + 3)));
}

/** Writes <root>/net/tcp with these listening lines (`local address`, inode). */
export function addTcpTable(root: string, listeners: readonly (readonly [string, string])[]): void {
  mkdirSync(join(root, 'net'), { recursive: true });
  const lines = listeners.map(([local, inode], n) => `   ${n}: ${local} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0000000000000000 100 0 0 10 0`);
  writeFileSync(join(root, 'net', 'tcp'), `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n${lines.map((line) => `${line}\n`).join('')}`);
}
