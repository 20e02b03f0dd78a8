// checkServing against real sockets and processes: the claim behind `active`.
import { afterEach, describe, expect, it } from 'vitest';
import { holderNames } from '../../../src/workload/listeners.ts';
import { readProcess } from '../../../src/workload/procfs.ts';
import { checkServing } from '../../../src/workload/serving.ts';
import { pollUntil } from '../../../src/workload/wait.ts';
import { answering, close, listen, listenElsewhere } from './sockets.ts';

const me = () => holderNames([readProcess(process.pid)!]);
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server in this process (standing in for our tinyproxy) that answers as given. */
const ours = async (answer?: Parameters<typeof listen>[1]) => {
  const server = await listen('127.0.0.1', answer);
  cleanups.push(() => close(server));
  return server.port;
};

/** A free port: listened on once, then closed. */
const freePort = async (): Promise<number> => {
  const server = await listen();
  await close(server);
  return server.port;
};

describe('checkServing', () => {
  it('serving: every listener is ours, and it answers GET /<slug> with the redirect to /<slug>/', async () => {
    const port = await ours(answering('HTTP/1.0 301 Moved Permanently\r\nLocation: /foo/'));
    expect(await checkServing(process.pid, { port, slug: 'foo' })).toEqual({ state: 'serving' });
  });

  it('unmapped: it answers, but not with the redirect', async () => {
    const port = await ours(answering('HTTP/1.0 400 Bad Request'));
    expect(await checkServing(process.pid, { port, slug: 'foo' })).toEqual({ state: 'faulty', fault: 'unmapped', reason: 'it does not map /foo/' });
  });

  it('unresponsive: it closes the connection without a word', async () => {
    const port = await ours();
    expect(await checkServing(process.pid, { port, slug: 'foo' })).toEqual({ state: 'faulty', fault: 'unresponsive', reason: `it does not answer on port ${port}` });
  });

  it('not listening: our process has no socket on the port', async () => {
    const port = await freePort();
    expect(await checkServing(process.pid, { port, slug: 'foo' })).toEqual({ state: 'faulty', fault: 'not-listening', reason: `it does not listen on port ${port}` });
  });

  it('stopped: no process of ours, and the port is free', async () => {
    expect(await checkServing(undefined, { port: await freePort(), slug: 'foo' })).toEqual({ state: 'stopped' });
  });

  it('port taken: a process that is not ours listens, whether ours runs or not', async () => {
    const port = await ours(answering('HTTP/1.0 301 Moved Permanently\r\nLocation: /foo/'));
    expect(await checkServing(undefined, { port, slug: 'foo' })).toEqual({ state: 'port-taken', holders: me() });
    const pidOfAnother = process.ppid;
    expect(await checkServing(pidOfAnother, { port, slug: 'foo' })).toEqual({ state: 'port-taken', holders: me() });
  });

  it('port taken: ours answers, but another process shares the port (another address)', async () => {
    const port = await ours(answering('HTTP/1.0 301 Moved Permanently\r\nLocation: /foo/'));
    const stranger = await listenElsewhere(port, '127.0.0.2');
    cleanups.push(() => stranger.kill('SIGKILL'));
    expect(await checkServing(process.pid, { port, slug: 'foo' })).toEqual({ state: 'port-taken', holders: holderNames([readProcess(stranger.pid)!]) });
  });

  it('a stopped (SIGSTOP) process answers nothing: unresponsive, named by its state', async () => {
    const port = await freePort();
    const stopped = await listenElsewhere(port, '127.0.0.1');
    cleanups.push(() => stopped.kill('SIGKILL'));
    stopped.kill('SIGSTOP');
    expect(await pollUntil(() => readProcess(stopped.pid)?.state === 'T', 5000, 5)).toBe(true);
    expect(await checkServing(stopped.pid, { port, slug: 'foo' })).toEqual({ state: 'faulty', fault: 'unresponsive', reason: 'it is stopped (process state T)' });
  });
});
