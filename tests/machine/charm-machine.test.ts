// The packed charm on a booted systemd machine, driven the way Juju drives it: dispatch with
// Juju-like hook tools, Node installed by dispatch itself, tinyproxy supervised by systemd.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimUnit, type HookResult, type SimUnit, type StatusInfo } from '../harness/juju-sim.ts';
import { httpGet } from '../support/http.ts';
import { bootMachine, checkPrerequisites, ensureRootfs, type Machine } from './container.ts';
import { runLoad } from './load.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CHARM_DIR = '/var/lib/juju/agents/unit-tinyproxy-0/charm';
const SIM_DIR = '/opt/juju-sim';
const UNIT = 'tinyproxy.service';
const ACTIVE: StatusInfo = { status: 'active', message: '' };
const WAITING_START: StatusInfo = { status: 'maintenance', message: 'Waiting for tinyproxy to start' };
const WAITING_INSTALL: StatusInfo = { status: 'maintenance', message: 'Waiting for tinyproxy to be installed' };
// The machine shares the host's network: its www.example.com is this upstream on the host's loopback.
const UPSTREAM_PORT = 80;

const prereq = await checkPrerequisites();
if (!prereq.ok && process.env.CI === 'true') {
  describe('charm on a systemd machine', () => {
    it('prerequisites', () => {
      throw new Error(`the machine suite cannot run in CI: ${prereq.reason}`);
    });
  });
} else if (!prereq.ok) {
  console.warn(`[machine] skipping the charm machine suite: ${prereq.reason}`);
}

const poll = async (what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<number> => {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await check()) return Date.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
};

describe.runIf(prereq.ok)('charm on a systemd machine', () => {
  let machine: Machine | undefined;
  let unit: SimUnit | undefined;
  let upstream: Server | undefined;

  const m = (): Machine => machine ?? (() => { throw new Error('no machine'); })();
  const sim = (): SimUnit => unit ?? (() => { throw new Error('no unit'); })();
  const sh = async (...argv: string[]): Promise<string> => (await m().run(argv)).trim();
  const show = async (property: string): Promise<string> => sh('systemctl', 'show', '--property', property, '--value', UNIT);
  const serves = async (slug: string): Promise<boolean> => {
    const r = await httpGet(8000, `/${slug}/`);
    return 'status' in r && r.status === 200 && r.body.includes('UPSTREAM-OK');
  };

  const hook = async (event: string, expected: StatusInfo): Promise<HookResult> => {
    const r = await sim().runHook(event, { timeoutMs: 300_000 });
    const explain = `${event} exited ${r.exitCode}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
    expect(r.exitCode, explain).toBe(0);
    expect(sim().status(), explain).toEqual(expected);
    return r;
  };

  beforeAll(async () => {
    const rootfs = await ensureRootfs({ timeoutMs: 240_000 });
    execFileSync('npm', ['run', 'pack'], { cwd: REPO, stdio: 'ignore' });
    upstream = createServer((req, res) => res.end(`UPSTREAM-OK path=${req.url}\n`));
    await new Promise<void>((resolve, reject) => {
      upstream?.once('error', (error) => reject(new Error(`the machine suite needs 127.0.0.1:${UPSTREAM_PORT} for its upstream: ${error.message}`)));
      upstream?.listen(UPSTREAM_PORT, '127.0.0.1', resolve);
    });
    machine = await bootMachine({ rootfs: rootfs.dir, name: 'tp-charm' });
    const root = machine.rootDir;
    mkdirSync(join(root, CHARM_DIR), { recursive: true });
    execFileSync('unzip', ['-q', join(REPO, 'tinyproxy_amd64.charm'), '-d', join(root, CHARM_DIR)]);
    await machine.copyIn(join(REPO, 'tests/juju-sim'), SIM_DIR);
    await machine.writeFile('/etc/hosts', '127.0.0.1\tlocalhost tp-charm\n127.0.0.1\twww.example.com\n::1\tlocalhost ip6-localhost ip6-loopback\n');
    const booted = machine;
    unit = await createSimUnit({
      charmDir: join(root, CHARM_DIR),
      stateDir: join(root, 'var/lib/juju-sim'),
      machine: {
        root,
        simBinDir: `${SIM_DIR}/bin`,
        async exec(argv, { cwd, env, timeoutMs }) {
          const started = Date.now();
          const r = await booted.exec(argv, { cwd, env, timeoutMs });
          return { ...r, exitCode: r.exitCode ?? 128, durationMs: Date.now() - started, timedOut: false, stdioHeldOpen: false };
        },
      },
    });
  }, 300_000);

  afterAll(async () => {
    await machine?.destroy();
    await new Promise((resolve) => (upstream ? upstream.close(resolve) : resolve(undefined)));
  }, 120_000);

  it('install: dispatch installs Node from the archive, the charm installs tinyproxy and its service', async () => {
    expect((await m().exec(['sh', '-c', 'command -v node'])).exitCode, 'the machine starts without Node').not.toBe(0);
    const r = await hook('install', WAITING_START);
    expect(r.stderr).toContain('installing the nodejs package with apt-get');
    expect(await sh('node', '--version')).toMatch(/^v18\./);
    expect(sim().workloadVersion()).toBe('1.11.1');
    expect(sim().logs().map((log) => log.message)).toContain('Installing tinyproxy; tinyproxy runs as a systemd service');
    expect((await m().exec(['systemctl', 'is-enabled', UNIT])).stdout.trim(), 'not enabled before the charm starts it').toBe('disabled');
    expect(await sh('id', '-u', 'tinyproxy')).not.toBe('0');
  }, 300_000);

  it('leader-elected keeps waiting; config-changed starts the service as the account', async () => {
    await hook('leader-elected', WAITING_START);
    await hook('config-changed', ACTIVE);
    expect(await show('ActiveState')).toBe('active');
    expect(await sh('systemctl', 'is-enabled', UNIT)).toBe('enabled');
    const pid = await show('MainPID');
    expect(await sh('ps', '-o', 'user=', '-p', pid)).toBe('tinyproxy');
    expect(await serves('example')).toBe(true);
    expect(sim().openedPorts()).toEqual(['8000/tcp']);
    const forward = await httpGet(8000, `http://127.0.0.1:${UPSTREAM_PORT}/`);
    expect(forward).not.toMatchObject({ status: 200 });
  });

  it('start keeps it; slug=foo reloads with the same main PID', async () => {
    await hook('start', ACTIVE);
    const pid = await show('MainPID');
    sim().setConfig({ slug: 'foo' });
    await hook('config-changed', ACTIVE);
    expect(await show('MainPID')).toBe(pid);
    expect(await serves('foo')).toBe(true);
    expect(await httpGet(8000, '/example/')).toMatchObject({ status: 400 });
  });

  it('slug=foo/bar blocks and changes nothing; reset serves /example/ again', async () => {
    const conf = await sh('cat', '/etc/tinyproxy/tinyproxy.conf');
    sim().setConfig({ slug: 'foo/bar' });
    await hook('config-changed', { status: 'blocked', message: "Invalid slug: 'foo/bar'. Slug must match the regex [a-z0-9-]+" });
    expect(await sh('cat', '/etc/tinyproxy/tinyproxy.conf')).toBe(conf);
    expect(await serves('foo')).toBe(true);
    sim().resetConfig('slug');
    await hook('config-changed', ACTIVE);
    expect(await serves('example')).toBe(true);
    await hook('update-status', ACTIVE);
  });

  it('kill -SEGV of the main PID: systemd serves again within 3 s, no hook run', async () => {
    const pid = await show('MainPID');
    await sh('kill', '-SEGV', pid);
    const took = await poll('tinyproxy to serve again', async () => (await show('MainPID')) !== pid && (await serves('example')), 3000);
    console.log(`[machine] serving again ${took} ms after SIGSEGV`);
    expect(Number(await show('NRestarts'))).toBeGreaterThanOrEqual(1);
  });

  it('load during 20 reloads: the proxy serves after every reload', async () => {
    const failures: string[] = [];
    const load = runLoad({ port: 8000, path: '/example/', requests: 2000, concurrency: 16 });
    for (let i = 0; i < 20; i += 1) {
      await sh('systemctl', 'reload', UNIT);
      await poll(`serving after reload ${i + 1}`, () => serves('example'), 3000).catch((error: Error) => failures.push(error.message));
    }
    const result = await load;
    console.log(`[machine] load during 20 reloads: ${result.ok} ok, ${result.failed} failed of ${result.ok + result.failed}; restarts ${await show('NRestarts')}`);
    expect(failures).toEqual([]);
    expect(result.ok + result.failed).toBe(2000);
    expect(await show('ActiveState')).toBe('active');
  }, 120_000);

  it('after a poweroff and a boot, tinyproxy serves with no hook run', async () => {
    await m().poweroff();
    await m().boot();
    await poll('tinyproxy to serve after the reboot', () => serves('example'), 15_000);
    await hook('update-status', ACTIVE);
  }, 120_000);

  it('stop stops the service; update-status leaves it stopped', async () => {
    await hook('stop', WAITING_START);
    expect(await show('ActiveState')).toBe('inactive');
    expect(await httpGet(8000, '/example/')).toEqual({ error: 'ECONNREFUSED' });
    await hook('update-status', WAITING_START);
    expect(await show('ActiveState')).toBe('inactive');
    expect((await m().exec(['systemctl', 'is-enabled', UNIT])).stdout.trim(), 'a reboot must not bring it back').toBe('disabled');
  });

  it('remove leaves no unit, no account, no /etc/tinyproxy, nothing running', async () => {
    await hook('remove', WAITING_INSTALL);
    const root = m().rootDir;
    expect(existsSync(join(root, 'etc/systemd/system/tinyproxy.service'))).toBe(false);
    expect(existsSync(join(root, 'etc/tinyproxy'))).toBe(false);
    expect((await m().exec(['id', 'tinyproxy'])).exitCode).not.toBe(0);
    expect((await m().exec(['pgrep', '-x', 'tinyproxy'])).exitCode).toBe(1);
    expect(await show('LoadState')).toBe('not-found');
    expect((await m().exec(['dpkg-query', '-W', '-f=${Status}', 'tinyproxy-bin'])).stdout).not.toContain('install ok installed');
  }, 120_000);
});
