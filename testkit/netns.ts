import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { waitUntil } from './poll.ts';
import { type CommandResult, type Daemon, killGroup, mustRun, runCommand, startDaemon } from './process.ts';
import { pidAlive } from './procfs.ts';

/** Marker every upstream response body starts with. */
export const UPSTREAM_MARKER = 'UPSTREAM-OK';
/** Host name the server namespace resolves to its own loopback upstream. */
const UPSTREAM_HOST = 'www.example.com';

/** Options of createProxyNetwork. */
export interface ProxyNetworkOptions {
  /** Unique per test file: [a-z0-9-], at most 40 characters. */
  prefix: string;
}

/** Options of ProxyNetwork.curl. */
interface CurlOptions {
  /** Port on the server address (default 8000). */
  port?: number;
  /** Forward-proxy request: GET an absolute URI through the server (true = http://www.example.com<path>). */
  proxy?: true | string;
  /** CONNECT www.example.com:80 through the server, then GET path in the tunnel. */
  connect?: boolean;
  /** curl --max-time in seconds (default 10). */
  timeoutSec?: number;
}

/** What curl saw. */
interface CurlResult {
  /** HTTP status of the final response (0: no response, e.g. connection refused). */
  code: number;
  /** Status of the proxy's answer to CONNECT (0 when no CONNECT was made). */
  connectCode: number;
  body: string;
  /** curl's exit status (7 = connection refused, 56 = CONNECT refused, 28 = timeout). */
  exitCode: number;
  stderr: string;
}

/** One request the upstream server received. */
interface UpstreamRequest {
  method: string;
  url: string;
  host: string;
}

/** A running server/client namespace pair with an upstream in the server namespace. */
export interface ProxyNetwork {
  readonly prefix: string;
  readonly serverNs: string;
  readonly clientNs: string;
  readonly serverAddress: string;
  readonly clientAddress: string;
  /** Command prefix that runs a command inside the server namespace. */
  readonly wrap: readonly string[];
  /** curl from the client namespace to http://<serverAddress>:<port><path>. */
  curl(path: string, options?: CurlOptions): Promise<CurlResult>;
  /** Runs argv inside one of the namespaces (minimal environment, no proxy variables). */
  runIn(side: 'server' | 'client', argv: readonly string[]): Promise<CommandResult>;
  /** Starts another upstream in the server namespace on 127.0.0.1:<port>, answering `<marker> path=<url>`. */
  addUpstream(port: number, marker: string): Promise<void>;
  /** PIDs of the processes inside a namespace. */
  pids(side: 'server' | 'client'): Promise<number[]>;
  /** Requests the upstream has received so far. */
  upstreamRequests(): UpstreamRequest[];
  /** Kills everything in both namespaces and deletes them (idempotent). */
  cleanup(): Promise<void>;
}

const PLAIN_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
};
const CURL_MARK = '\n@@CURL@@ ';

const UPSTREAM_SCRIPT = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  process.stdout.write(JSON.stringify({ method: req.method, url: req.url, host: req.headers.host || '' }) + '\\n');
  const body = (process.argv[2] || '${UPSTREAM_MARKER}') + ' path=' + req.url + '\\n';
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(Number(process.argv[1] || 80), '127.0.0.1', () => process.stdout.write('READY\\n'));
process.on('SIGTERM', () => process.exit(0));
`;

interface Names {
  serverNs: string;
  clientNs: string;
  serverVeth: string;
  clientVeth: string;
  subnet: number;
}

function namesFor(prefix: string): Names {
  if (!/^[a-z0-9-]{1,40}$/.test(prefix)) throw new Error(`netns: bad prefix ${JSON.stringify(prefix)}`);
  const hash = createHash('sha256').update(prefix).digest();
  const tag = hash.subarray(0, 4).toString('hex');
  return {
    serverNs: `${prefix}-srv`,
    clientNs: `${prefix}-cli`,
    serverVeth: `vs${tag}`,
    clientVeth: `vc${tag}`,
    subnet: 1 + ((hash[4] ?? 0) % 254),
  };
}

async function namespaceExists(name: string): Promise<boolean> {
  const r = await runCommand(['ip', 'netns', 'list'], { env: PLAIN_ENV });
  return r.stdout.split('\n').some((line) => line.split(' ')[0] === name);
}

async function namespacePids(name: string): Promise<number[]> {
  if (!(await namespaceExists(name))) return [];
  const r = await runCommand(['ip', 'netns', 'pids', name], { env: PLAIN_ENV });
  return r.stdout
    .split('\n')
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
}

async function killNamespaceProcesses(name: string): Promise<void> {
  const pids = await namespacePids(name);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  // As before its namespace is deleted; one stuck past this (in the kernel) does not stop the deletion.
  await waitUntil(`the processes of namespace ${name} to die`, () => !pids.some(pidAlive), 5000, 50).catch(() => undefined);
}

/** Deletes the namespaces, processes and /etc/netns files of a prefix (also after a crash). */
export async function deleteProxyNetwork(prefix: string): Promise<void> {
  const names = namesFor(prefix);
  for (const ns of [names.serverNs, names.clientNs]) {
    await killNamespaceProcesses(ns);
    if (await namespaceExists(ns)) await mustRun(['ip', 'netns', 'del', ns], { env: PLAIN_ENV });
    rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
  }
  for (const veth of [names.serverVeth, names.clientVeth]) {
    const shown = await runCommand(['ip', 'link', 'show', 'dev', veth], { env: PLAIN_ENV });
    if (shown.exitCode === 0) await runCommand(['ip', 'link', 'del', 'dev', veth], { env: PLAIN_ENV });
  }
}

function startUpstream(serverNs: string, seen: UpstreamRequest[], port = 80, marker = UPSTREAM_MARKER): Promise<Daemon> {
  return startDaemon(['ip', 'netns', 'exec', serverNs, process.execPath, '-e', UPSTREAM_SCRIPT, String(port), marker], {
    ready: 'READY',
    env: PLAIN_ENV,
    onLine: (line) => {
      try {
        seen.push(JSON.parse(line) as UpstreamRequest);
      } catch {
        // not a request record
      }
    },
  });
}

/** Creates the namespace pair, the hosts file and the upstream; deletes stale ones first. */
export async function createProxyNetwork(options: ProxyNetworkOptions): Promise<ProxyNetwork> {
  const { prefix } = options;
  const n = namesFor(prefix);
  const serverAddress = `10.231.${n.subnet}.1`;
  const clientAddress = `10.231.${n.subnet}.2`;
  await deleteProxyNetwork(prefix);
  const seen: UpstreamRequest[] = [];
  let upstream: Daemon | undefined;
  const extra: Daemon[] = [];
  const cleanup = async (): Promise<void> => {
    if (upstream) killGroup(upstream.pid, 'SIGKILL');
    for (const child of extra.splice(0)) killGroup(child.pid, 'SIGKILL');
    upstream = undefined;
    await deleteProxyNetwork(prefix);
  };
  try {
    const ip = (...args: string[]) => mustRun(['ip', ...args], { env: PLAIN_ENV });
    await ip('netns', 'add', n.serverNs);
    await ip('netns', 'add', n.clientNs);
    await ip('link', 'add', 'name', n.serverVeth, 'netns', n.serverNs, 'type', 'veth', 'peer', 'name', n.clientVeth, 'netns', n.clientNs);
    await ip('-n', n.serverNs, 'addr', 'add', `${serverAddress}/24`, 'dev', n.serverVeth);
    await ip('-n', n.clientNs, 'addr', 'add', `${clientAddress}/24`, 'dev', n.clientVeth);
    for (const [ns, dev] of [
      [n.serverNs, n.serverVeth],
      [n.clientNs, n.clientVeth],
    ] as const) {
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
      await ip('-n', ns, 'link', 'set', dev, 'up');
    }
    mkdirSync(`/etc/netns/${n.serverNs}`, { recursive: true });
    writeFileSync(`/etc/netns/${n.serverNs}/hosts`, `127.0.0.1\tlocalhost\n127.0.0.1\t${UPSTREAM_HOST}\n::1\tlocalhost ip6-localhost ip6-loopback\n`);
    upstream = await startUpstream(n.serverNs, seen);
  } catch (error) {
    await cleanup();
    throw error;
  }

  const nsOf = (side: 'server' | 'client'): string => (side === 'server' ? n.serverNs : n.clientNs);
  const runIn = (side: 'server' | 'client', argv: readonly string[]): Promise<CommandResult> => runCommand(['ip', 'netns', 'exec', nsOf(side), ...argv], { env: PLAIN_ENV, timeoutMs: 120_000 });

  return {
    prefix,
    serverNs: n.serverNs,
    clientNs: n.clientNs,
    serverAddress,
    clientAddress,
    wrap: ['ip', 'netns', 'exec', n.serverNs],
    async curl(path: string, opts: CurlOptions = {}): Promise<CurlResult> {
      const base = `http://${serverAddress}:${opts.port ?? 8000}`;
      const args = ['/usr/bin/curl', '-sS', '--max-time', String(opts.timeoutSec ?? 10), '-w', `${CURL_MARK}%{http_code} %{http_connect}`];
      if (opts.connect) args.push('-p', '-x', base, `http://${UPSTREAM_HOST}${path}`);
      else if (opts.proxy !== undefined) {
        args.push('-x', base, opts.proxy === true ? `http://${UPSTREAM_HOST}${path}` : opts.proxy);
      } else args.push(`${base}${path}`);
      const r = await runIn('client', args);
      const at = r.stdout.lastIndexOf(CURL_MARK);
      const [code = '0', connectCode = '0'] = (at < 0 ? '' : r.stdout.slice(at + CURL_MARK.length)).trim().split(' ');
      return {
        code: Number(code),
        connectCode: Number(connectCode),
        body: at < 0 ? r.stdout : r.stdout.slice(0, at),
        exitCode: r.exitCode,
        stderr: r.stderr,
      };
    },
    runIn,
    async addUpstream(port: number, marker: string): Promise<void> {
      extra.push(await startUpstream(n.serverNs, seen, port, marker));
    },
    pids: (side) => namespacePids(nsOf(side)),
    upstreamRequests: () => [...seen],
    cleanup,
  };
}

/** True if the network namespace exists (for tests of cleanup). */
export function namespaceNameExists(name: string): Promise<boolean> {
  return namespaceExists(name);
}

/** True if /etc/netns/<name> exists. */
export function netnsEtcExists(name: string): boolean {
  return existsSync(`/etc/netns/${name}`);
}
