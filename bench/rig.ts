// The bench's machine side: prerequisites, the packed charm, the namespaces, the client poller,
// timed hook runs (wall time, hook-tool calls, peak RSS) and cleanup that also runs on failure.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { type HostSnapshot, isPackageInstalled, restoreHost, snapshotHost } from '../testkit/host.ts';
import { type Call, createSimUnit, type SimUnit, type StatusInfo } from '../testkit/juju-sim.ts';
import { createProxyNetwork, deleteProxyNetwork, type ProxyNetwork } from '../testkit/netns.ts';
import { findCommand } from '../testkit/prereq.ts';
import { mustRun, runCommand } from '../testkit/process.ts';
import { processesNamed } from '../testkit/procfs.ts';

const PACKAGE = 'tinyproxy-bin';
const ACCOUNT = 'tinyproxy';
const CHARM_PATHS = ['/etc/tinyproxy', '/run/tinyproxy', '/var/log/tinyproxy', '/var/run/tinyproxy.pid'];
/** Our namespaces are tpbench-srv and tpbench-cli: nothing else on the host uses this prefix. */
const NET_PREFIX = 'tpbench';
const TIME = '/usr/bin/time';
const PLAIN_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };
const APT_ENV = { ...PLAIN_ENV, DEBIAN_FRONTEND: 'noninteractive' };

/** One timed hook run. */
export interface Sample {
  /** Wall time from spawning the wrapped dispatch to its exit, in ms. */
  ms: number;
  /** process.hrtime.bigint() at spawn and after exit (to compare with the poller's clock). */
  t0: bigint;
  t1: bigint;
  calls: Call[];
  /** Peak RSS of the largest process of the hook's tree (GNU time %M: ru_maxrss of dispatch and its waited-for children), KiB. */
  rssKiB: number;
  exitCode: number;
  status: StatusInfo;
  stdout: string;
  stderr: string;
}

/** A poller reply (see bench/poller.mjs). */
type PollerReply = Record<string, unknown>;

/** The client-namespace HTTP poller. */
export interface Poller {
  request(message: Record<string, unknown>): Promise<PollerReply>;
  get(path: string): Promise<{ status?: number; ok?: boolean; error?: string }>;
  close(): void;
}

const cleanups: Array<{ name: string; fn: () => Promise<void> | void }> = [];

/** Registers an undo step; they run last-registered first. */
function onCleanup(name: string, fn: () => Promise<void> | void): void {
  cleanups.push({ name, fn });
}

/** Runs every undo step once, even if some fail; returns the problems. */
export async function cleanupAll(): Promise<string[]> {
  const problems: string[] = [];
  while (cleanups.length > 0) {
    const step = cleanups.pop();
    if (!step) break;
    try {
      await step.fn();
    } catch (error) {
      problems.push(`${step.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return problems;
}

let interrupted = false;
/** Ctrl-C or a kill still cleans up (namespaces, tinyproxy, the package if we installed it). */
export function cleanUpOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      console.error(`\nbench: ${signal}: cleaning up`);
      void cleanupAll().then((problems) => {
        for (const p of problems) console.error(`bench: cleanup: ${p}`);
        process.exit(128 + constants.signals[signal]);
      });
    });
  }
}

/** Installs what the bench needs with apt if missing: ip, unzip, GNU time, curl. */
export async function ensurePrerequisites(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the bench must run as root (it installs tinyproxy and creates network namespaces)');
  const wanted: Array<[string, string]> = [
    ['ip', 'iproute2'],
    ['unzip', 'unzip'],
    ['curl', 'curl'],
  ];
  const missing = wanted.filter(([cmd]) => findCommand(cmd) === undefined).map(([, pkg]) => pkg);
  try {
    statSync(TIME);
  } catch {
    missing.push('time');
  }
  for (const cmd of ['apt-get', 'dpkg-query', 'npm']) {
    if (findCommand(cmd) === undefined) throw new Error(`command not found: ${cmd}`);
  }
  if (missing.length === 0) return;
  console.log(`bench: installing ${missing.join(' ')} with apt-get`);
  const install = ['apt-get', '-o', 'DPkg::Lock::Timeout=120', '-y', '-q', 'install', '--no-install-recommends', ...missing];
  if ((await runCommand(install, { env: APT_ENV, timeoutMs: 600_000 })).exitCode !== 0) {
    await mustRun(['apt-get', '-o', 'DPkg::Lock::Timeout=120', '-q', 'update'], { env: APT_ENV, timeoutMs: 600_000 });
    await mustRun(install, { env: APT_ENV, timeoutMs: 600_000 });
  }
}

/** The lock the suites that run tinyproxy on this host take (`flock /run/lock/tinyproxy-charm-tests.lock ...`). */
const HOST_LOCK = '/run/lock/tinyproxy-charm-tests.lock';

/** Waits for the shared host lock and holds it (in a flock child) until cleanup or exit. */
export async function acquireHostLock(timeoutSec = 900): Promise<void> {
  if (findCommand('flock') === undefined) throw new Error('command not found: flock (util-linux)');
  const child = spawn('flock', ['-w', String(timeoutSec), HOST_LOCK, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
    env: PLAIN_ENV,
    stdio: ['pipe', 'pipe', 'inherit'],
    detached: true,
  });
  const release = (): void => {
    child.stdin?.end();
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // gone
    }
  };
  onCleanup('release host lock', release);
  const waiting = setTimeout(() => console.log(`bench: waiting for ${HOST_LOCK} (a test suite holds it)`), 1000);
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`could not take ${HOST_LOCK} within ${timeoutSec} s (flock exited ${code})`)));
      createInterface({ input: child.stdout! }).once('line', () => resolve());
    });
  } finally {
    clearTimeout(waiting);
  }
  child.removeAllListeners('exit');
}

/** Refuses to run next to the test suites: a foreign tinyproxy would be found (and managed) by the charm. */
export async function checkQuietHost(): Promise<string[]> {
  await deleteProxyNetwork(NET_PREFIX); // our own leftovers from an interrupted run, with their processes
  const running = processesNamed('tinyproxy');
  if (running.length > 0) {
    throw new Error(
      `tinyproxy is already running (pids ${running.join(', ')}), outside the bench's namespaces: ` +
        'a test suite (tests/lifecycle, tests/workload) is probably running. Run the bench when they are done.',
    );
  }
  const warnings: string[] = [];
  const vitest = processesNamed('node').filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('vitest');
    } catch {
      return false;
    }
  });
  const namespaces = (await runCommand(['ip', 'netns', 'list'], { env: PLAIN_ENV })).stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n !== '');
  if (namespaces.length > 0) warnings.push(`other network namespaces exist (${namespaces.join(', ')}): if a test starts tinyproxy meanwhile, the bench's hooks would see it`);
  if (vitest.length > 0) warnings.push(`vitest is running (pids ${vitest.join(', ')}): timings may be noisy`);
  return warnings;
}

/** Records the host, so cleanup can undo exactly what the bench changed (package, account, paths). */
export async function snapshot(): Promise<HostSnapshot> {
  const before = await snapshotHost(PACKAGE, CHARM_PATHS, ACCOUNT);
  onCleanup('restore host', async () => {
    const problems = await restoreHost(before, PACKAGE, ACCOUNT);
    if (problems.length > 0) throw new Error(problems.join('; '));
  });
  return before;
}

/** Builds and packs the charm with `npm run pack`; returns the .charm path. */
export async function pack(root: string): Promise<string> {
  const charm = join(root, 'tinyproxy_amd64.charm');
  rmSync(charm, { force: true });
  await mustRun(['npm', 'run', 'pack'], { cwd: root, timeoutMs: 300_000 });
  statSync(charm);
  return charm;
}

/** A temporary directory removed at cleanup. */
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Unzips the .charm into a new directory. */
export async function unpack(charmFile: string): Promise<string> {
  const dir = tempDir('tpbench-charm-');
  await mustRun(['unzip', '-q', charmFile, '-d', dir], { timeoutMs: 60_000 });
  return dir;
}

/** A charm directory whose dispatch is the given sh body (the floor, probes). */
export function shellCharm(body: string): string {
  const dir = tempDir('tpbench-sh-');
  writeFileSync(join(dir, 'dispatch'), `#!/bin/sh\n${body}\n`);
  chmodSync(join(dir, 'dispatch'), 0o755);
  return dir;
}

/** A copy of the unpacked charm without its bundle or unit state (for a rebuilt bundle). */
export function copyCharm(charmDir: string, prefix: string): string {
  const dir = tempDir(prefix);
  for (const name of readdirSync(charmDir)) {
    if (name === 'dist' || name.startsWith('.unit-state')) continue;
    cpSync(join(charmDir, name), join(dir, name), { recursive: true });
  }
  return dir;
}

/** File sizes under a directory, relative paths, sorted. */
export function fileSizes(dir: string): Array<{ file: string; bytes: number }> {
  const out: Array<{ file: string; bytes: number }> = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push({ file: relative(dir, p), bytes: statSync(p).size });
    }
  };
  walk(dir);
  return out;
}

/** The two namespaces (server: tinyproxy + upstream; client: the poller); deleted at cleanup. */
export async function network(): Promise<ProxyNetwork> {
  const net = await createProxyNetwork({ prefix: NET_PREFIX });
  onCleanup('delete namespaces', () => net.cleanup());
  return net;
}

/** Starts bench/poller.mjs in the client namespace. */
export async function startPoller(root: string, net: ProxyNetwork, port = 8000): Promise<Poller> {
  const child: ChildProcess = spawn('ip', ['netns', 'exec', net.clientNs, process.execPath, join(root, 'bench', 'poller.mjs'), net.serverAddress, String(port)], {
    env: PLAIN_ENV,
    stdio: ['pipe', 'pipe', 'inherit'],
    detached: true,
  });
  const close = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  };
  onCleanup('stop poller', close);
  const waiting: Array<(reply: PollerReply) => void> = [];
  let ready: (() => void) | undefined;
  const readyPromise = new Promise<void>((resolve, reject) => {
    ready = resolve;
    child.once('exit', (code) => reject(new Error(`poller exited (${code}) before it was ready`)));
    setTimeout(() => reject(new Error('poller did not start in 10 s')), 10_000).unref();
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const reply = JSON.parse(line) as PollerReply;
    if (reply.ready === true) ready?.();
    else waiting.shift()?.(reply);
  });
  await readyPromise;
  const request = (message: Record<string, unknown>): Promise<PollerReply> =>
    new Promise((resolve) => {
      waiting.push(resolve);
      child.stdin!.write(`${JSON.stringify(message)}\n`);
    });
  return {
    request,
    get: async (path) => (await request({ cmd: 'get', path })) as { status?: number; ok?: boolean; error?: string },
    close,
  };
}

/** A sim unit whose state directory is removed at cleanup. */
export async function simUnit(charmDir: string, config: Record<string, string | number | boolean> = {}): Promise<SimUnit> {
  const unit = await createSimUnit({ charmDir, config });
  onCleanup(`remove ${unit.stateDir}`, () => unit.cleanup());
  return unit;
}

/** Forgets the recorded calls, so every hook-tool call globs an equally small calls/ folder. */
function clearCalls(unit: SimUnit): void {
  const dir = join(unit.stateDir, 'calls');
  for (const name of readdirSync(dir)) rmSync(join(dir, name), { force: true });
}

let rssDir: string | undefined;
let rssCount = 0;

/**
 * Runs one hook through the harness (clean Juju-like environment, cwd = charm dir) wrapped as
 * `<wrap> /usr/bin/time -f %M -o <file> <charm>/dispatch`, and times it from spawn to exit.
 */
export async function timedHook(unit: SimUnit, event: string, wrap: readonly string[], env?: Record<string, string>): Promise<Sample> {
  if (interrupted) throw new Error('interrupted');
  rssDir ??= tempDir('tpbench-rss-');
  const rssFile = join(rssDir, String(rssCount++));
  clearCalls(unit);
  const t0 = process.hrtime.bigint();
  const r = await unit.runHook(event, { wrap: [...wrap, TIME, '-f', '%M', '-o', rssFile], timeoutMs: 120_000, ...(env ? { env } : {}) });
  const t1 = process.hrtime.bigint();
  let rssKiB = Number.NaN;
  try {
    // On a non-zero exit GNU time writes "Command exited with non-zero status N" first.
    rssKiB = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
    rmSync(rssFile);
  } catch {
    // no file: time did not run
  }
  return {
    ms: Number(t1 - t0) / 1e6,
    t0,
    t1,
    calls: r.calls,
    rssKiB,
    exitCode: r.exitCode,
    status: unit.status(),
    stdout: r.stdout,
    stderr: r.stderr,
  };
}

export { isPackageInstalled, processesNamed };
