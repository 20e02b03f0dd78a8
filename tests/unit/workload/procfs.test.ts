import { spawn } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, symlinkSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeHolders, portHolders } from '../../../src/workload/listeners.ts';
import { findProcesses, isAlive, isStopped, type ProcessInfo, readProcess, readStat, socketInodes } from '../../../src/workload/procfs.ts';
import { pollUntil } from '../../../src/workload/wait.ts';
import { addProcess, fakeProc } from './fake-proc.ts';
import { close, listen } from './sockets.ts';

// A hostile process name: /proc/<pid>/stat must be split at the last parenthesis, and the
// `Name:` line of /proc/<pid>/status must not be read as its uid.
const ODD_NAME = 'Uid: 7) S (y';
// Root runs the sleep as nobody, so that its uid is not 0 (nor the one digit of the name).
const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

/** A `sleep` started under an odd name (a link's name becomes the process name), until killed. */
const oddSleep = () => {
  const dir = mkdtempSync(join(tmpdir(), 'procfs-'));
  chmodSync(dir, 0o755);
  const link = join(dir, ODD_NAME);
  symlinkSync('/bin/sleep', link);
  const child = spawn(link, ['30'], { stdio: 'ignore', ...asNobody });
  return Object.assign(child, { link, pid: child.pid as number, uid: asNobody.uid ?? process.getuid?.() });
};

const info = (state: string): ProcessInfo => ({ pid: 1, comm: 'tinyproxy', state, argv: [], uid: 0 });

describe('procfs and listeners', () => {
  it('reads this process', () => {
    const me = readProcess(process.pid);
    expect(me).toMatchObject({ pid: process.pid, uid: process.getuid?.() });
    expect(isAlive(me)).toBe(true);
    expect(me?.argv[0]).toBe(process.argv[0]);
  });

  it('is undefined for a process that does not exist', () => {
    expect(readProcess(2 ** 22 + 1)).toBeUndefined();
  });

  it('sees an exited, unreaped process as a zombie, not alive', async () => {
    // sh backgrounds a short sleep, prints its pid, then becomes a long sleep that never reaps
    // it: the short one stays a zombie until the long one exits.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const pid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (data: Buffer) => resolve(data.toString()))));
      expect(await pollUntil(() => readProcess(pid)?.state === 'Z', 5000, 5)).toBe(true);
      expect(readProcess(pid)).toMatchObject({ pid, comm: 'sleep', state: 'Z' });
      expect(isAlive(readProcess(pid))).toBe(false);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('finds processes by a predicate', () => {
    const found = findProcesses((info) => info.pid === process.pid);
    expect(found.map((info) => info.pid)).toEqual([process.pid]);
  });

  it('names the process that holds a port, and nobody for a free one', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const holders = portHolders(port);
      expect(holders.map((info) => info.pid)).toEqual([process.pid]);
      expect(describeHolders(port, holders)).toBe(`port ${port} is already in use by ${holders[0]?.comm} (pid ${process.pid})`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(portHolders(port)).toEqual([]);
  });
});

describe('procfs: one process', () => {
  it('reads the name, state, argv and uid of a process whose name has `) ` in it', async () => {
    const child = oddSleep();
    try {
      expect(await pollUntil(() => readStat(child.pid)?.comm === ODD_NAME, 5000, 5)).toBe(true);
      expect(await pollUntil(() => readStat(child.pid)?.state === 'S', 5000, 5)).toBe(true);
      expect(readProcess(child.pid)).toEqual({ pid: child.pid, comm: ODD_NAME, state: 'S', argv: [child.link, '30'], uid: child.uid });
      child.kill('SIGSTOP');
      expect(await pollUntil(() => readStat(child.pid)?.state === 'T', 5000, 5)).toBe(true);
      expect(isStopped(readProcess(child.pid) as ProcessInfo)).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('finds processes by name, reading only those in full', async () => {
    const child = oddSleep();
    try {
      expect(await pollUntil(() => readStat(child.pid)?.comm === ODD_NAME, 5000, 5)).toBe(true);
      expect(findProcesses(() => true, ODD_NAME).map((found) => found.pid)).toEqual([child.pid]);
      expect(findProcesses((found) => found.pid === child.pid, 'no-such-name')).toEqual([]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('the sockets a process holds, and none for one that is gone', async () => {
    const server = await listen();
    try {
      const mine = socketInodes(process.pid);
      expect(mine.size).toBeGreaterThan(0);
      expect([...mine].every((inode) => /^\d+$/.test(inode))).toBe(true);
    } finally {
      await close(server);
    }
    expect(socketInodes(2 ** 22 + 1)).toEqual(new Set());
  });

  it('a file named like a socket is not one', () => {
    const fd = openSync(join(mkdtempSync(join(tmpdir(), 'procfs-')), 'socket:[424242]'), 'w');
    try {
      expect(socketInodes(process.pid).has('424242')).toBe(false);
    } finally {
      closeSync(fd);
    }
  });
});

describe('procfs: races and strays, on a fake /proc', () => {
  const pids = (found: readonly ProcessInfo[]): number[] => found.map((info) => info.pid).sort((a, b) => a - b);

  it('reads processes under another root', () => {
    const root = fakeProc();
    addProcess(root, '42', { comm: 'tinyproxy' });
    expect(findProcesses(() => true, undefined, root)).toEqual([{ pid: 42, comm: 'tinyproxy', state: 'S', argv: ['tinyproxy', '30'], uid: 1000 }]);
  });

  it.each(['stat', 'status', 'cmdline'] as const)('a process whose %s is gone (it exited between the reads) is not found', (file) => {
    const root = fakeProc();
    addProcess(root, '42', { missing: [file] });
    addProcess(root, '43');
    expect(pids(findProcesses(() => true, undefined, root))).toEqual([43]);
  });

  it('only pid folders are processes, not self nor other names holding the same files', () => {
    const root = fakeProc();
    for (const name of ['42', '7', 'self', 'x42', '42x', 'thread-self']) addProcess(root, name, { comm: 'tinyproxy' });
    expect(pids(findProcesses(() => true, undefined, root))).toEqual([7, 42]);
    expect(pids(findProcesses(() => true, 'tinyproxy', root))).toEqual([7, 42]);
  });

  it('searching by name skips a process whose stat is gone since the folder was listed', () => {
    const root = fakeProc();
    addProcess(root, '42', { comm: 'tinyproxy', missing: ['stat'] });
    addProcess(root, '43', { comm: 'tinyproxy' });
    expect(pids(findProcesses(() => true, 'tinyproxy', root))).toEqual([43]);
  });

  it('the sockets of a process under another root', () => {
    const root = fakeProc();
    addProcess(root, '42', { sockets: ['111', '222'] });
    expect(socketInodes(42, root)).toEqual(new Set(['111', '222']));
  });
});

describe('procfs: states', () => {
  it.each([
    ['R', true, false],
    ['S', true, false],
    ['D', true, false],
    ['T', true, true],
    ['t', true, true],
    ['Z', false, false],
    ['X', false, false],
  ])('state %s: alive %s, stopped %s', (state, alive, stopped) => {
    expect(isAlive(info(state))).toBe(alive);
    expect(isStopped(info(state))).toBe(stopped);
  });

  it('no process is not alive', () => {
    expect(isAlive(undefined)).toBe(false);
  });
});
