// Lifecycle of the PACKED charm on this machine: `npm run pack`, unzip the .charm, then drive its
// dispatch through install → leader-elected → config-changed → start → slug changes → update-status
// → stop → remove with the juju-sim harness. install runs in the root namespace (apt needs the
// archive); every other hook runs inside the server network namespace, so tinyproxy binds there and
// its upstream www.example.com is a local server. Requests come from the client namespace only.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it, type TestContext } from 'vitest';
import { invalidSlug, invalidUpstream, portReserved, UPSTREAM_REASONS, WAITING_FOR_START } from '../../src/charm/messages.ts';
import { DEFAULT_PATHS } from '../../src/workload/paths.ts';
import { PACKAGE } from '../../src/workload/tinyproxy.ts';
import { type HostSnapshot, isPackageInstalled, restoreHost, snapshotHost } from '../../testkit/host.ts';
import { createSimUnit, type HookResult, type SimUnit, type StatusInfo } from '../../testkit/juju-sim.ts';
import { createProxyNetwork, type ProxyNetwork, UPSTREAM_MARKER } from '../../testkit/netns.ts';
import { describeIfReady, missingPrerequisites } from '../../testkit/prereq.ts';
import { mustRun, runCommand } from '../../testkit/process.ts';
import { processesNamed } from '../../testkit/procfs.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CHARM_FILE = join(REPO, 'tinyproxy_amd64.charm');
const { configFile: CONFIG_FILE, account: ACCOUNT } = DEFAULT_PATHS;
const CHARM_PATHS = [DEFAULT_PATHS.configDir, DEFAULT_PATHS.runDir, DEFAULT_PATHS.logDir, '/var/run/tinyproxy.pid'];

const ACTIVE: StatusInfo = { status: 'active', message: '' };
const WAITING_START: StatusInfo = { status: 'maintenance', message: WAITING_FOR_START };
/** What `juju status` shows once stop succeeded: Juju's own status, replacing the charm's (uniter runhook.go afterHook). */
const STOPPED: StatusInfo = { status: 'maintenance', message: '' };
/** What `juju status` shows once remove succeeded: Juju's own status, replacing the charm's. */
const REMOVED: StatusInfo = { status: 'terminated', message: '' };
const BLOCKED_FOO_BAR: StatusInfo = {
  status: 'blocked',
  message: invalidSlug('foo/bar'),
};

const missing = missingPrerequisites({ root: true, commands: ['ip', 'unzip', 'apt-get', 'dpkg-query', 'npm'], files: ['/usr/bin/curl'] });

/** The hook's output, for assertion messages. */
const explain = (name: string, r: HookResult): string =>
  `${name} exited ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}\n--- calls\n${r.calls
    .map((c) => `${c.tool} ${JSON.stringify(c.args)}`)
    .join('\n')}`;

describeIfReady('packed charm lifecycle', missing, () => {
  let charmDir: string | undefined;
  let unit: SimUnit | undefined;
  let net: ProxyNetwork | undefined;
  let before: HostSnapshot | undefined;
  let failedStep: string | undefined;

  const sim = (): SimUnit => {
    if (!unit) throw new Error('sim unit not created');
    return unit;
  };
  const network = (): ProxyNetwork => {
    if (!net) throw new Error('network not created');
    return net;
  };

  /** A lifecycle step: skipped once an earlier step failed (later ones would only add noise). */
  const step = (name: string, fn: () => Promise<void>, timeout = 90_000): void => {
    it(
      name,
      async (ctx: TestContext) => {
        if (failedStep !== undefined) ctx.skip(`an earlier step failed: ${failedStep}`);
        try {
          await fn();
        } catch (error) {
          failedStep = name;
          throw error;
        }
      },
      timeout,
    );
  };

  /** Runs a hook (inside the server namespace unless root is true) and checks exit 0 and the status `juju status` shows. */
  const hook = async (event: string, expected: StatusInfo, root = false): Promise<HookResult> => {
    const r = await sim().runHook(event, root ? {} : { wrap: network().wrap });
    expect(r.exitCode, explain(event, r)).toBe(0);
    expect(r.stdioHeldOpen, `${event}: a process started by the hook kept its stdout/stderr open (Juju would wait for it)`).toBe(false);
    expect(sim().jujuStatus(), explain(event, r)).toEqual(expected);
    expect(
      r.calls.filter((c) => c.tool === 'status-set'),
      `${event}: one status-set per hook`,
    ).toHaveLength(1);
    return r;
  };

  /** Checks the reverse proxy serves `path` from the upstream (200 + marker). */
  const expectServed = async (path: string, upstreamPath = '/'): Promise<void> => {
    const r = await network().curl(path);
    expect(r, `GET ${path}`).toMatchObject({ code: 200 });
    expect(r.body).toContain(`${UPSTREAM_MARKER} path=${upstreamPath}`);
  };

  /** Checks tinyproxy refuses forward-proxy use: absolute-URI GET and CONNECT never reach the upstream. */
  const expectNoForwardProxy = async (): Promise<void> => {
    const forward = await network().curl('/forward-probe', { proxy: true });
    expect(forward.code, `absolute-URI GET through the proxy: ${forward.body}`).not.toBe(200);
    expect(forward.code, 'the proxy answers the absolute-URI GET').toBeGreaterThan(0);
    const tunnel = await network().curl('/connect-probe', { connect: true });
    expect(tunnel.connectCode, 'CONNECT through the proxy').not.toBe(200);
    expect(tunnel.code).not.toBe(200);
    const reached = network()
      .upstreamRequests()
      .map((r) => r.url);
    expect(reached).not.toContain('/forward-probe');
    expect(reached).not.toContain('/connect-probe');
  };

  const tinyproxyPidsInServer = async (): Promise<number[]> => {
    const inNs = await network().pids('server');
    return processesNamed('tinyproxy').filter((pid) => inNs.includes(pid));
  };

  beforeAll(async () => {
    net = await createProxyNetwork({ prefix: 'tp-life' });
    const running = processesNamed('tinyproxy');
    if (running.length > 0) {
      throw new Error(`tinyproxy is already running on this machine (pids ${running.join(', ')}); stop it first: the charm manages /etc/tinyproxy and would find it`);
    }
    before = await snapshotHost(PACKAGE, CHARM_PATHS, ACCOUNT);
    if (before.packageInstalled) {
      // Start from a machine without tinyproxy so install really installs it; restored in afterAll.
      const purge = await runCommand(['apt-get', '-y', 'purge', PACKAGE], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', DEBIAN_FRONTEND: 'noninteractive' } });
      if (purge.exitCode !== 0) throw new Error(`cannot purge the preinstalled ${PACKAGE}: ${purge.stderr}`);
    }

    rmSync(CHARM_FILE, { force: true });
    await mustRun(['npm', 'run', 'pack'], { cwd: REPO, timeoutMs: 240_000 });
    if (!existsSync(CHARM_FILE)) throw new Error(`npm run pack did not write ${CHARM_FILE}`);
    charmDir = mkdtempSync(join(tmpdir(), 'tinyproxy-charm-'));
    await mustRun(['unzip', '-q', CHARM_FILE, '-d', charmDir], { timeoutMs: 60_000 });
    unit = await createSimUnit({ charmDir });
  }, 300_000);

  afterAll(async () => {
    const problems: string[] = [];
    try {
      await net?.cleanup();
    } catch (error) {
      problems.push(`network cleanup: ${String(error)}`);
    }
    if (before) problems.push(...(await restoreHost(before, PACKAGE, ACCOUNT)));
    unit?.cleanup();
    if (charmDir) rmSync(charmDir, { recursive: true, force: true });
    if (problems.length > 0) throw new Error(`cleanup problems:\n${problems.join('\n')}`);
  }, 600_000);

  step('the .charm holds an executable dispatch, the bundle and the metadata files', async () => {
    const dir = charmDir ?? '';
    for (const name of ['dispatch', 'metadata.yaml', 'config.yaml', 'manifest.yaml']) {
      expect(existsSync(join(dir, name)), name).toBe(true);
    }
    expect(statSync(join(dir, 'dispatch')).mode & 0o777).toBe(0o755);
    const listing = await mustRun(['unzip', '-Z1', CHARM_FILE]);
    expect(listing.stdout.split('\n').some((f) => f.startsWith('dist/'))).toBe(true);
    expect(readFileSync(join(dir, 'config.yaml'), 'utf8')).toContain('slug');
  });

  step(
    'install (root namespace) installs tinyproxy-bin and sets the workload version',
    async () => {
      await hook('install', WAITING_START, true);
      expect(await isPackageInstalled(PACKAGE)).toBe(true);
      expect(sim().workloadVersion()).toBe('1.11.1');
    },
    600_000,
  );

  step('leader-elected keeps waiting for the start', async () => {
    await hook('leader-elected', WAITING_START);
  });

  step('config-changed starts tinyproxy as a reverse proxy for /example/', async () => {
    await hook('config-changed', ACTIVE);
    expect(sim().openedPorts()).toContain('8000/tcp');
    expect(await tinyproxyPidsInServer()).toHaveLength(1);
    await expectServed('/example/');
    await expectServed('/example/sub/page?q=1', '/sub/page?q=1');
    expect((await network().curl('/other/')).code).toBe(400);
    await expectNoForwardProxy();
  });

  step('start keeps it running', async () => {
    const pids = await tinyproxyPidsInServer();
    await hook('start', ACTIVE);
    expect(await tinyproxyPidsInServer()).toEqual(pids);
    expect(sim().openedPorts()).toContain('8000/tcp');
    await expectServed('/example/');
    await expectNoForwardProxy();
  });

  step('config-changed slug=foo moves the proxy to /foo/', async () => {
    sim().setConfig({ slug: 'foo' });
    await hook('config-changed', ACTIVE);
    await expectServed('/foo/');
    expect((await network().curl('/example/')).code).toBe(400);
    expect(sim().openedPorts()).toContain('8000/tcp');
    await expectNoForwardProxy();
  });

  step('config-changed slug=foo/bar blocks and changes nothing', async () => {
    const conf = readFileSync(CONFIG_FILE);
    sim().setConfig({ slug: 'foo/bar' });
    await hook('config-changed', BLOCKED_FOO_BAR);
    expect(readFileSync(CONFIG_FILE).equals(conf), `${CONFIG_FILE} changed`).toBe(true);
    await expectServed('/foo/');
    await expectNoForwardProxy();
  });

  step('resetting slug goes back to /example/', async () => {
    sim().resetConfig('slug');
    await hook('config-changed', ACTIVE);
    await expectServed('/example/');
    expect((await network().curl('/foo/')).code).toBe(400);
    await expectNoForwardProxy();
  });

  step('update-status stays active', async () => {
    await hook('update-status', ACTIVE);
    expect(sim().openedPorts()).toContain('8000/tcp');
    await expectServed('/example/');
    await expectNoForwardProxy();
  });

  step('server-port=8001 restarts tinyproxy there and moves the opened port', async () => {
    sim().setConfig({ 'server-port': 8001 });
    await hook('config-changed', ACTIVE);
    expect(sim().openedPorts()).toEqual(['8001/tcp']);
    expect((await network().curl('/example/', { port: 8001 })).code).toBe(200);
    expect(await network().curl('/example/'), 'the old port refuses').toMatchObject({ code: 0, exitCode: 7 });
    expect((await network().curl('/forward', { port: 8001, proxy: true })).code).not.toBe(200);
  });

  step('server-port=22 blocks naming the option; nothing changes', async () => {
    const conf = readFileSync(CONFIG_FILE);
    const pids = await tinyproxyPidsInServer();
    sim().setConfig({ 'server-port': 22 });
    await hook('config-changed', { status: 'blocked', message: portReserved(22) });
    expect(readFileSync(CONFIG_FILE).equals(conf)).toBe(true);
    expect(await tinyproxyPidsInServer()).toEqual(pids);
    expect((await network().curl('/example/', { port: 8001 })).code).toBe(200);
    expect(sim().openedPorts()).toEqual(['8001/tcp']);
  });

  step('resetting server-port goes back to 8000', async () => {
    sim().resetConfig('server-port');
    await hook('config-changed', ACTIVE);
    expect(sim().openedPorts()).toEqual(['8000/tcp']);
    await expectServed('/example/');
    expect(await network().curl('/example/', { port: 8001 })).toMatchObject({ code: 0, exitCode: 7 });
  });

  step('upstream=http://127.0.0.1:9000/base reaches a second server, path normalised', async () => {
    await network().addUpstream(9000, 'SECOND-UPSTREAM');
    const pids = await tinyproxyPidsInServer();
    sim().setConfig({ upstream: 'http://127.0.0.1:9000/base' });
    await hook('config-changed', ACTIVE);
    expect(await tinyproxyPidsInServer(), 'an upstream change is a reload').toEqual(pids);
    const r = await network().curl('/example/x');
    expect(r.code).toBe(200);
    expect(r.body).toContain('SECOND-UPSTREAM path=/base/x');
  });

  step('an https upstream blocks with the reason; the proxy serves as before', async () => {
    const conf = readFileSync(CONFIG_FILE);
    sim().setConfig({ upstream: 'https://www.example.com/' });
    await hook('config-changed', {
      status: 'blocked',
      message: invalidUpstream('https://www.example.com/', UPSTREAM_REASONS.https),
    });
    expect(readFileSync(CONFIG_FILE).equals(conf)).toBe(true);
    expect((await network().curl('/example/x')).body).toContain('SECOND-UPSTREAM path=/base/x');
    sim().resetConfig('upstream');
    await hook('config-changed', ACTIVE);
    await expectServed('/example/');
  });

  step('upgrade-charm while serving keeps the same process serving', async () => {
    const pids = await tinyproxyPidsInServer();
    await hook('upgrade-charm', ACTIVE);
    expect(await tinyproxyPidsInServer()).toEqual(pids);
    expect(sim().openedPorts()).toEqual(['8000/tcp']);
    await expectServed('/example/');
  });

  step('stop stops tinyproxy', async () => {
    await hook('stop', STOPPED);
    expect(await tinyproxyPidsInServer()).toEqual([]);
    const r = await network().curl('/example/');
    expect(r, 'connection refused after stop').toMatchObject({ code: 0, exitCode: 7 });
  });

  step(
    'remove uninstalls tinyproxy-bin and deletes /etc/tinyproxy',
    async () => {
      await hook('remove', REMOVED);
      expect(await isPackageInstalled(PACKAGE)).toBe(false);
      const dpkg = await runCommand(['dpkg', '-s', PACKAGE], { env: { PATH: '/usr/bin:/bin', LANG: 'C' } });
      expect(dpkg.stdout).not.toContain('Status: install ok installed');
      expect(existsSync(DEFAULT_PATHS.configDir)).toBe(false);
      expect(processesNamed('tinyproxy')).toEqual([]);
    },
    300_000,
  );
});
