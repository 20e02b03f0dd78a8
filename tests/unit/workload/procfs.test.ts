import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { describeHolders, portHolders } from '../../../src/workload/listeners.ts';
import { findProcesses, isAlive, readProcess } from '../../../src/workload/procfs.ts';
import { pollUntil } from '../../../src/workload/wait.ts';

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
