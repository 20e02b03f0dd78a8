// Tests of the network-namespace harness (needs root and iproute2; nothing leaves the namespaces).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createProxyNetwork, deleteProxyNetwork, namespaceNameExists, netnsEtcExists, type ProxyNetwork, UPSTREAM_MARKER } from '../../testkit/netns.ts';
import { waitUntil } from '../../testkit/poll.ts';
import { describeIfReady, missingPrerequisites } from '../../testkit/prereq.ts';
import { mustRun, startDaemon } from '../../testkit/process.ts';

const PREFIX = 'jsim-nstest';
const missing = missingPrerequisites({ root: true, commands: ['ip', 'curl'] });

// A server for port 8000 inside the server namespace: echoes the request line, refuses CONNECT with 403.
const ECHO_SERVER = `
const http = require('node:http');
const s = http.createServer((req, res) => res.end('ECHO ' + req.method + ' ' + req.url));
s.on('connect', (req, socket) => socket.end('HTTP/1.1 403 Forbidden\\r\\ncontent-length: 0\\r\\n\\r\\n'));
s.listen(8000, '0.0.0.0', () => console.log('READY'));
`;

describeIfReady('createProxyNetwork', missing, () => {
  let net: ProxyNetwork | undefined;
  const network = (): ProxyNetwork => {
    if (!net) throw new Error('network not created');
    return net;
  };

  beforeAll(async () => {
    // Simulate a crashed earlier run: a stale namespace and /etc/netns dir of the same prefix.
    await deleteProxyNetwork(PREFIX);
    await mustRun(['ip', 'netns', 'add', `${PREFIX}-srv`]);
    mkdirSync(`/etc/netns/${PREFIX}-cli`, { recursive: true });
    net = await createProxyNetwork({ prefix: PREFIX });
  }, 60_000);

  afterAll(async () => {
    await net?.cleanup();
  }, 60_000);

  it('creates both namespaces with addresses and no route out', async () => {
    const n = network();
    expect(n.serverNs).toBe(`${PREFIX}-srv`);
    expect(n.clientNs).toBe(`${PREFIX}-cli`);
    expect(n.serverAddress).toMatch(/^10\.231\.\d+\.1$/);
    expect(n.wrap).toEqual(['ip', 'netns', 'exec', n.serverNs]);
    for (const side of ['server', 'client'] as const) {
      const routes = await n.runIn(side, ['ip', 'route', 'show']);
      expect(routes.stdout).not.toContain('default');
    }
    expect((await n.runIn('client', ['ip', '-4', 'addr', 'show'])).stdout).toContain(n.clientAddress);
    expect(netnsEtcExists(`${PREFIX}-cli`)).toBe(false); // stale dir removed
  });

  it('resolves www.example.com to the local upstream inside the server namespace', async () => {
    const n = network();
    expect(readFileSync(`/etc/netns/${n.serverNs}/hosts`, 'utf8')).toContain('127.0.0.1\twww.example.com');
    const r = await n.runIn('server', ['/usr/bin/curl', '-sS', '--max-time', '5', 'http://www.example.com/x?y=1']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`${UPSTREAM_MARKER} path=/x?y=1\n`);
    expect(n.upstreamRequests()).toContainEqual({ method: 'GET', url: '/x?y=1', host: 'www.example.com' });
  });

  it('reports connection refused when nothing listens on the server address', async () => {
    const r = await network().curl('/example/');
    expect(r).toMatchObject({ code: 0, exitCode: 7 });
  });

  it('curls the server address from the client namespace in all three modes', async () => {
    const n = network();
    const child = await startDaemon(['ip', 'netns', 'exec', n.serverNs, process.execPath, '-e', ECHO_SERVER], { ready: 'READY', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    try {
      expect(await n.curl('/plain/')).toMatchObject({ code: 200, connectCode: 0, exitCode: 0, body: 'ECHO GET /plain/' });
      expect(await n.curl('/fwd', { proxy: true })).toMatchObject({ code: 200, body: 'ECHO GET http://www.example.com/fwd' });
      expect(await n.curl('', { proxy: 'http://other.invalid/abs' })).toMatchObject({ body: 'ECHO GET http://other.invalid/abs' });
      const tunnel = await n.curl('/t', { connect: true });
      expect(tunnel.connectCode).toBe(403);
      expect(tunnel.code).not.toBe(200);
      expect(tunnel.exitCode).not.toBe(0);
      expect(await n.pids('server')).toContain(child.pid);
    } finally {
      await child.stop('SIGKILL');
    }
  });

  it('cleanup kills processes it did not start, deletes everything, and is idempotent', async () => {
    const n = network();
    const sleeper = spawn('ip', ['netns', 'exec', n.serverNs, 'sleep', '300'], { stdio: 'ignore', detached: true });
    const exited = new Promise((resolve) => sleeper.once('exit', resolve));
    await waitUntil('the sleeper in the server namespace', async () => (await n.pids('server')).includes(sleeper.pid ?? -1), 5000);
    await n.cleanup();
    await n.cleanup();
    expect(await namespaceNameExists(n.serverNs)).toBe(false);
    expect(await namespaceNameExists(n.clientNs)).toBe(false);
    expect(existsSync(`/etc/netns/${n.serverNs}`)).toBe(false);
    await exited;
  });
});
