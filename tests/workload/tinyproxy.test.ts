import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ACCOUNT_COMMENT, findAccount } from '../../src/workload/account.ts';
import { createDirectDaemon } from '../../src/workload/direct.ts';
import { readOsRelease } from '../../src/workload/os-release.ts';
import { DEFAULT_PATHS, type TinyproxyPaths } from '../../src/workload/paths.ts';
import { isAlive, readProcess } from '../../src/workload/procfs.ts';
import { createTinyproxy, PACKAGE, type Workload } from '../../src/workload/tinyproxy.ts';
import { freePort, httpGet, startUpstream } from '../../testkit/http.ts';
import { describeIfReady, missingPrerequisites } from '../../testkit/prereq.ts';

const packageInstalled = (): boolean => {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', PACKAGE], { encoding: 'utf8' }).includes('install ok installed');
  } catch {
    return false;
  }
};

const missing = missingPrerequisites({ root: true, commands: ['apt-get', 'dpkg-query', 'useradd'] });

describeIfReady('workload: real tinyproxy, direct mode', missing, () => {
  const root = mkdtempSync(join(tmpdir(), 'tinyproxy-workload-'));
  // tinyproxy re-reads its config as the unprivileged account on reload, as it would in /etc.
  chmodSync(root, 0o755);
  // Real binary, apt and account; the files live in a temp folder so the test owns them.
  const paths: TinyproxyPaths = {
    ...DEFAULT_PATHS,
    configDir: join(root, 'etc'),
    configFile: join(root, 'etc', 'tinyproxy.conf'),
    runDir: join(root, 'run'),
    pidFile: join(root, 'run', 'tinyproxy.pid'),
    logDir: join(root, 'log'),
  };
  const workload: Workload = createTinyproxy(paths, createDirectDaemon(paths), readOsRelease);
  const installedBefore = packageInstalled();
  const accountBefore = findAccount(paths.account) !== undefined;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let port: number;
  let unrelated: ChildProcess | undefined;
  const settings = (slug: string) => ({ port, slug, upstream: `http://127.0.0.1:${upstream.port}/` });
  const mainPid = async () => (workload.isInstalled() ? createDirectDaemon(paths).mainPid() : undefined);
  /** Still running and never signalled: SIGTERM or SIGUSR1 would end a sleep (the test reaps it), SIGSTOP stop it. */
  const untouched = (child: ChildProcess): void => {
    expect(child.exitCode).toBeNull();
    expect(child.signalCode).toBeNull();
    expect(isAlive(readProcess(child.pid as number))).toBe(true);
    expect(readProcess(child.pid as number)?.state).toBe('S');
  };

  beforeAll(async () => {
    upstream = await startUpstream();
    port = await freePort();
  });

  afterAll(async () => {
    unrelated?.kill('SIGKILL');
    await createDirectDaemon(paths)
      .stop()
      .catch(() => undefined);
    await upstream?.close();
    if (installedBefore && !packageInstalled()) execFileSync('apt-get', ['install', '-y', '-q', PACKAGE], { stdio: 'ignore' });
    if (!accountBefore && findAccount(paths.account)?.comment === ACCOUNT_COMMENT) execFileSync('userdel', [paths.account]);
    rmSync(root, { recursive: true, force: true });
  });

  it('install: tinyproxy-bin from apt, the account, and the version', async () => {
    if (installedBefore) execFileSync('apt-get', ['purge', '-y', '-q', PACKAGE], { stdio: 'ignore' });
    expect(workload.isInstalled()).toBe(false);
    await workload.install();
    expect(workload.isInstalled()).toBe(true);
    expect(packageInstalled()).toBe(true);
    expect(await workload.version()).toBe('1.11.1');
    expect(findAccount(paths.account)).toBeDefined();
  }, 180_000);

  it('ensureConfig writes only when the content differs', () => {
    expect(workload.ensureConfig(settings('example'))).toBe(true);
    const text = readFileSync(paths.configFile, 'utf8');
    expect(text).toContain(`Port ${port}\n`);
    expect(text).toContain('ReverseOnly Yes\n');
    expect(text).toContain(`ReversePath "/example/" "http://127.0.0.1:${upstream.port}/"\n`);
    expect(statSync(paths.configFile).mode & 0o777).toBe(0o644);
    const before = statSync(paths.configFile).mtimeMs;
    expect(workload.ensureConfig(settings('example'))).toBe(false);
    expect(statSync(paths.configFile).mtimeMs).toBe(before);
  });

  it('start: listens, serves /example/ as the unprivileged account, refuses forward proxying', async () => {
    expect(await workload.isRunning()).toBe(false);
    await workload.start();
    expect(await workload.isRunning()).toBe(true);
    const pid = await mainPid();
    expect(readProcess(pid as number)?.uid).toBe(findAccount(paths.account)?.uid);
    expect(await httpGet(port, '/example/x')).toEqual({ status: 200, body: 'UPSTREAM-OK path=/x\n' });
    expect(await httpGet(port, '/other/')).toMatchObject({ status: 400 });
    const forward = await httpGet(port, `http://127.0.0.1:${upstream.port}/`);
    expect(forward).not.toMatchObject({ status: 200 });
    const connect = await httpGet(port, `127.0.0.1:${upstream.port}`, 'CONNECT');
    expect(connect).not.toMatchObject({ status: 200 });
  });

  it('start again is a no-op: same PID', async () => {
    const pid = await mainPid();
    await workload.start();
    expect(await mainPid()).toBe(pid);
  });

  it('reload keeps the PID and serves the new slug at once', async () => {
    const pid = await mainPid();
    expect(workload.ensureConfig(settings('foo'))).toBe(true);
    const outcome = await workload.reload();
    expect(outcome).toEqual({ pidBefore: pid, pidAfter: pid, crashed: false, applied: true });
    expect(await httpGet(port, '/foo/')).toMatchObject({ status: 200 });
    expect(await httpGet(port, '/example/')).toMatchObject({ status: 400 });
  });

  it('check asks the running process itself: the mapping, the port, whether it answers', async () => {
    const fresh = () => createTinyproxy(paths, createDirectDaemon(paths), readOsRelease);
    expect(await fresh().check({ port, slug: 'foo' })).toEqual({ state: 'serving' });
    expect(await fresh().check({ port, slug: 'other' })).toEqual({ state: 'faulty', fault: 'unmapped', reason: 'it does not map /other/' });
    const elsewhere = await freePort();
    expect(await fresh().check({ port: elsewhere, slug: 'foo' })).toEqual({ state: 'faulty', fault: 'not-listening', reason: `it does not listen on port ${elsewhere}` });
    // The file edited in place changes nothing the process serves; the check does not read it.
    const text = readFileSync(paths.configFile, 'utf8');
    writeFileSync(paths.configFile, text.replace('"/foo/"', '"/bar/"'));
    expect(await fresh().check({ port, slug: 'foo' })).toEqual({ state: 'serving' });
    writeFileSync(paths.configFile, text);
  });

  it('check: a stopped (SIGSTOP) process is not serving, and a restart brings it back', async () => {
    const pid = (await mainPid()) as number;
    process.kill(pid, 'SIGSTOP');
    try {
      const found = await createTinyproxy(paths, createDirectDaemon(paths), readOsRelease).check({ port, slug: 'foo' });
      expect(found).toMatchObject({ state: 'faulty', fault: 'unresponsive' });
      await workload.restart();
      expect(readProcess(pid)?.state ?? 'gone').toMatch(/^(gone|Z)$/);
      expect(await mainPid()).not.toBe(pid);
      expect(await httpGet(port, '/foo/')).toMatchObject({ status: 200 });
    } finally {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Gone, as it should be.
      }
    }
  });

  it('check: another process on the port is named, whether tinyproxy runs elsewhere or not at all', async () => {
    const holder = await startUpstream();
    try {
      const found = await createTinyproxy(paths, createDirectDaemon(paths), readOsRelease).check({ port: holder.port, slug: 'foo' });
      expect(found).toEqual({ state: 'port-taken', holders: `node (pid ${process.pid})` });
    } finally {
      await holder.close();
    }
  });

  it('a new port is applied by a restart, since a reload does not rebind', async () => {
    const pid = await mainPid();
    const newPort = await freePort();
    expect(workload.ensureConfig({ ...settings('foo'), port: newPort })).toBe(true);
    await workload.restart();
    expect(await mainPid()).not.toBe(pid);
    expect(await httpGet(newPort, '/foo/')).toMatchObject({ status: 200 });
    expect(await httpGet(port, '/foo/')).toEqual({ error: 'ECONNREFUSED' });
    expect(workload.ensureConfig(settings('foo'))).toBe(true);
    await workload.restart();
    expect(await httpGet(port, '/foo/')).toMatchObject({ status: 200 });
  });

  it('a pid file naming an unrelated live process is never signalled', async () => {
    unrelated = spawn('sleep', ['600'], { stdio: 'ignore' });
    writeFileSync(paths.pidFile, `${unrelated.pid}\n`);
    await workload.stop();
    expect(await workload.isRunning()).toBe(false);
    untouched(unrelated);
    expect(await httpGet(port, '/foo/')).toEqual({ error: 'ECONNREFUSED' });
    // Still not "running" because of the stale pid file, and start works despite it.
    expect(await workload.isRunning()).toBe(false);
    await workload.start();
    expect(await httpGet(port, '/foo/')).toMatchObject({ status: 200 });
    untouched(unrelated);
  });

  it.each(['a symlink to a root file', 'a FIFO', 'a folder'])('%s at the pid file path (the account can leave one) is not followed, does not block, and does not stop the next start', async (kind) => {
    await workload.stop();
    const canary = join(root, 'canary');
    writeFileSync(canary, 'canary\n', { mode: 0o600 });
    rmSync(paths.pidFile, { recursive: true, force: true });
    if (kind.includes('symlink')) symlinkSync(canary, paths.pidFile);
    else if (kind.includes('FIFO')) execFileSync('mkfifo', [paths.pidFile]);
    else mkdirSync(paths.pidFile);
    expect(await createTinyproxy(paths, createDirectDaemon(paths), readOsRelease).isRunning()).toBe(false);
    await workload.start();
    expect(await httpGet(port, '/foo/')).toMatchObject({ status: 200 });
    expect(readFileSync(canary, 'utf8')).toBe('canary\n');
    expect(statSync(canary).mode & 0o777).toBe(0o600);
  });

  it('stop: SIGTERM, waits until it has exited', async () => {
    const pid = (await mainPid()) as number;
    await workload.stop();
    const state = readProcess(pid)?.state;
    expect(state === undefined || state === 'Z').toBe(true);
    expect(await workload.isRunning()).toBe(false);
    await workload.stop();
  });

  it('start fails clearly when another process holds the port', async () => {
    const holder = await startUpstream();
    const held = settings('foo');
    workload.ensureConfig({ ...held, port: holder.port });
    try {
      await expect(workload.start()).rejects.toThrow(`cannot start tinyproxy: port ${holder.port} is already in use by node (pid ${process.pid})`);
      expect(await workload.isRunning()).toBe(false);
    } finally {
      await holder.close();
      workload.ensureConfig(held);
    }
  });

  it('uninstall: purges the package and removes the files and the account', async () => {
    await workload.start();
    await workload.uninstall();
    expect(await mainPid()).toBeUndefined();
    expect(workload.isInstalled()).toBe(false);
    expect(packageInstalled()).toBe(false);
    for (const path of [paths.configDir, paths.runDir, paths.logDir]) expect(existsSync(path)).toBe(false);
    if (!accountBefore) expect(findAccount(paths.account)).toBeUndefined();
  }, 120_000);
});
