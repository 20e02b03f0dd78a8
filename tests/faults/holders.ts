// Processes the fault suite injects next to the charm: a port holder, a stranger that answers the
// serving probe as tinyproxy would (or never answers), idle clients that use up tinyproxy's
// connections, a unix socket owned by the tinyproxy account, an fcntl lock holder (apt's kind of
// lock), an unrelated process that records every signal it gets, and a forward-proxy prober.
// Each is started ready (it printed its ready line) and stopped by its own PID.
import { waitUntil } from '../../testkit/poll.ts';
import { startDaemon } from '../../testkit/process.ts';

const PLAIN_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
};

/** A helper process started by the suite. */
export interface Helper {
  readonly pid: number;
  /** Lines it printed after its ready line. */
  readonly lines: string[];
  /** SIGTERM (then SIGKILL) to its process group; resolves when it has exited. */
  stop(): Promise<void>;
}

const live = new Set<Helper>();

/** Stops every helper still running (for afterAll, even after a failed test). */
export async function stopAllHelpers(): Promise<void> {
  for (const helper of [...live]) await helper.stop();
}

/** Starts argv in its own process group once it printed `ready`; stopped with `stopSignal`, and by stopAllHelpers. */
async function spawnReady(argv: readonly string[], ready: string, stopSignal: NodeJS.Signals = 'SIGTERM'): Promise<Helper> {
  const daemon = await startDaemon(argv, { ready, env: PLAIN_ENV, stopSignal });
  const helper: Helper = {
    pid: daemon.pid,
    lines: daemon.lines,
    async stop() {
      live.delete(helper);
      await daemon.stop();
    },
  };
  live.add(helper);
  return helper;
}

const PORT_HOLDER = `
const server = require('node:net').createServer((s) => s.destroy());
server.listen(Number(process.argv[1]), '0.0.0.0', () => console.log('READY'));
process.on('SIGTERM', () => process.exit(0));
`;

/** A process (comm `node`) listening on 0.0.0.0:<port> inside the given network namespace. */
export const holdPort = (namespace: string, port: number): Promise<Helper> => spawnReady(['ip', 'netns', 'exec', namespace, process.execPath, '-e', PORT_HOLDER, String(port)], 'READY');

const IMPOSTOR = `
const net = require('node:net');
const [port, hosts, slug, mode] = process.argv.slice(1);
const held = [];
const answer = (socket, head) => {
  const path = (/^[A-Z]+ (\\S+) HTTP/.exec(head) || [])[1] || '';
  const reply = (status, headers, body) => socket.end('HTTP/1.0 ' + status + '\\r\\nServer: tinyproxy/1.11.1\\r\\n' +
    headers + 'Content-Length: ' + Buffer.byteLength(body) + '\\r\\nConnection: close\\r\\n\\r\\n' + body);
  if (path === '/' + slug) reply('301 Moved Permanently', 'Location: /' + slug + '/\\r\\n', '');
  else if (path.startsWith('/' + slug + '/')) reply('200 OK', 'Content-Type: text/plain\\r\\n', 'IMPOSTOR path=' + path + '\\n');
  else reply('400 Bad Request', 'Content-Type: text/html\\r\\n', 'No mapping found for requested url\\n');
};
const list = hosts.split(',');
let listening = 0;
for (const host of list) {
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    if (mode === 'silent') return void held.push(socket);
    let head = '';
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      if (head.includes('\\r\\n\\r\\n')) answer(socket, head);
    });
  });
  server.listen({ port: Number(port), host, ipv6Only: host.includes(':') }, () => {
    listening += 1;
    if (listening === list.length) console.log('READY');
  });
}
process.on('SIGTERM', () => process.exit(0));
`;

/** How a stranger on tinyproxy's port behaves. */
export interface ImpostorOptions {
  /** The slug whose `GET /<slug>` it answers with tinyproxy's 301 to `/<slug>/` (its other paths: 200 `IMPOSTOR path=...`, 400). */
  readonly slug: string;
  /** Addresses it listens on (default both wildcards, IPv6 with IPV6_V6ONLY, as tinyproxy does). */
  readonly hosts?: readonly string[];
  /** Accept connections and never answer anything. */
  readonly silent?: boolean;
}

/** A process (comm `node`) on <port> in the namespace that passes for tinyproxy (or accepts and stays silent). */
export const impersonateTinyproxy = (namespace: string, port: number, options: ImpostorOptions): Promise<Helper> =>
  spawnReady(
    ['ip', 'netns', 'exec', namespace, process.execPath, '-e', IMPOSTOR, String(port), (options.hosts ?? ['0.0.0.0', '::']).join(','), options.slug, options.silent ? 'silent' : 'answer'],
    'READY',
  );

const IDLE_CLIENTS = `
const net = require('node:net');
const [host, port, count] = process.argv.slice(1);
const sockets = [];
let connected = 0;
for (let i = 0; i < Number(count); i += 1) {
  const socket = net.connect({ host, port: Number(port) });
  socket.on('error', () => undefined);
  socket.once('connect', () => {
    connected += 1;
    if (connected === Number(count)) console.log('READY');
  });
  sockets.push(socket);
}
process.on('SIGTERM', () => process.exit(0));
`;

/** `count` clients in the namespace connected to host:port that never send a byte (tinyproxy waits `Timeout` for each). */
export const holdIdleConnections = (namespace: string, host: string, port: number, count: number): Promise<Helper> =>
  spawnReady(['ip', 'netns', 'exec', namespace, process.execPath, '-e', IDLE_CLIENTS, host, String(port), String(count)], 'READY');

const UNIX_LISTENER = `
require('node:net').createServer((s) => s.destroy()).listen(process.argv[1], () => console.log('READY'));
process.on('SIGTERM', () => process.exit(0));
`;

/** A process of `account` (no supplementary groups) listening on a unix socket at `path`. */
export const listenUnixAs = (account: string, path: string): Promise<Helper> =>
  spawnReady(['setpriv', `--reuid=${account}`, `--regid=${account}`, '--clear-groups', '--', process.execPath, '-e', UNIX_LISTENER, path], 'READY');

// apt and dpkg take fcntl(F_SETLK) locks, which flock(1) does not conflict with: perl (Essential
// on Debian) takes the same kind. struct flock on x86_64: short type, short whence, (pad), off_t
// start, off_t len, pid_t pid, (pad).
const LOCK_HOLDER = `
use strict; use Fcntl qw(F_SETLK F_WRLCK SEEK_SET O_RDWR O_CREAT);
$| = 1; my @held;
for my $path (@ARGV) {
  sysopen(my $fh, $path, O_RDWR | O_CREAT, 0640) or die "open $path: $!\\n";
  my $lock = pack('s s x4 q q i x4', F_WRLCK, SEEK_SET, 0, 0, 0);
  fcntl($fh, F_SETLK, $lock) or die "lock $path: $!\\n";
  push @held, $fh;
}
$SIG{TERM} = sub { exit 0 };
print "LOCKED\\n";
sleep 1 while 1;
`;

/** A process (comm `perl`) holding fcntl write locks on the given files, as apt-get would. */
export const holdFcntlLocks = (paths: readonly string[]): Promise<Helper> => spawnReady(['perl', '-e', LOCK_HOLDER, ...paths], 'LOCKED');

const SIGNAL_RECORDER = `
for (const name of ['SIGUSR1', 'SIGUSR2', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGALRM', 'SIGPIPE', 'SIGCONT', 'SIGWINCH']) {
  process.on(name, () => console.log('signal ' + name));
}
setInterval(() => undefined, 60_000);
console.log('READY');
`;

/** An unrelated long-lived process that logs every catchable signal it receives (SIGKILL shows as death). */
export async function startSignalRecorder(): Promise<Helper & { signals(): string[] }> {
  // It records SIGTERM instead of exiting, so it is ended with SIGKILL.
  const helper = await spawnReady([process.execPath, '-e', SIGNAL_RECORDER], 'READY', 'SIGKILL');
  return { ...helper, signals: () => helper.lines.filter((l) => l.startsWith('signal ')) };
}

// Sends absolute-URI GETs and CONNECTs to the proxy until told to stop (bounded in count and time).
const FORWARD_PROBER = `
const net = require('node:net');
const [host, port, maxMs, maxTries, tag] = process.argv.slice(1);
const deadline = Date.now() + Number(maxMs);
const outcome = { tries: 0, refused: 0, answers: {}, tunnels: 0 };
let stopping = false;
process.on('SIGTERM', () => { stopping = true; });
const once = (connect) => new Promise((resolve) => {
  const socket = net.connect({ host, port: Number(port) });
  let data = '';
  let tunnelled = false;
  const done = (what) => { socket.destroy(); resolve(what); };
  socket.setTimeout(2000, () => done('timeout'));
  socket.once('error', () => done('refused'));
  socket.once('connect', () => socket.write(connect
    ? 'CONNECT www.example.com:80 HTTP/1.1\\r\\nHost: www.example.com:80\\r\\n\\r\\n'
    : 'GET http://www.example.com/' + tag + '-get HTTP/1.1\\r\\nHost: www.example.com\\r\\nConnection: close\\r\\n\\r\\n'));
  socket.on('data', (chunk) => {
    data += chunk.toString('latin1');
    if (data.indexOf('\\r\\n\\r\\n') < 0 || tunnelled) return;
    const code = (/^HTTP\\/1\\.[01] (\\d{3})/.exec(data) || [])[1] || 'garbage';
    if (connect && code === '200') {
      tunnelled = true;
      socket.write('GET /' + tag + '-tunnel HTTP/1.0\\r\\nHost: www.example.com\\r\\n\\r\\n');
      return done('tunnel');
    }
    done(code);
  });
  socket.once('end', () => done(data === '' ? 'closed' : 'partial'));
});
(async () => {
  console.log('READY');
  while (!stopping && Date.now() < deadline && outcome.tries < Number(maxTries)) {
    const what = await once(outcome.tries % 2 === 1);
    outcome.tries += 1;
    if (what === 'refused') outcome.refused += 1;
    else if (what === 'tunnel') outcome.tunnels += 1;
    else outcome.answers[what] = (outcome.answers[what] || 0) + 1;
    await new Promise((r) => setTimeout(r, 5));
  }
  console.log(JSON.stringify(outcome));
  process.exit(0);
})();
`;

/** What the prober saw: connections refused, proxy answers by status code, tunnels opened. */
interface ProbeOutcome {
  readonly tries: number;
  readonly refused: number;
  readonly answers: Readonly<Record<string, number>>;
  readonly tunnels: number;
}

/** A forward-proxy prober running in the client namespace; `finish` stops it and returns what it saw. */
export interface Prober {
  readonly tag: string;
  finish(): Promise<ProbeOutcome>;
}

export async function startForwardProber(clientNs: string, host: string, port: number, tag: string): Promise<Prober> {
  const helper = await spawnReady(['ip', 'netns', 'exec', clientNs, process.execPath, '-e', FORWARD_PROBER, host, String(port), '60000', '5000', tag], 'READY');
  return {
    tag,
    async finish() {
      try {
        process.kill(helper.pid, 'SIGTERM');
      } catch {
        // it stopped by itself (time or count bound)
      }
      // It prints its outcome when SIGTERMed; none is reported just below.
      await waitUntil("the forward prober's outcome", () => helper.lines.length > 0, 5000, 20).catch(() => undefined);
      await helper.stop();
      const last = helper.lines.at(-1);
      if (last === undefined) throw new Error('the forward prober printed no outcome');
      return JSON.parse(last) as ProbeOutcome;
    },
  };
}
