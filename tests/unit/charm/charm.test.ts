import { describe, expect, it } from 'vitest';
import { runCharm } from '../../../src/charm/charm.ts';
import { parseCharmConfig } from '../../../src/charm/config.ts';
import { memoryStateStore, type UnitState } from '../../../src/charm/unit-state.ts';
import type { JujuEvent } from '../../../src/juju/event.ts';
import { FakeHookTools } from '../../fakes/fake-hook-tools.ts';
import { FakeWorkload, type FakeWorkloadState } from '../../fakes/fake-workload.ts';

const hook = (name: string): JujuEvent => ({ kind: 'hook', name });
const example = { port: 8000, slug: 'example', upstream: 'http://www.example.com/' };
const configured: FakeWorkloadState = { installed: true, running: true, settings: example };

/** State in, one event, state out: the shape of ops.testing. */
async function run(event: string, config: Record<string, unknown>, machine: FakeWorkloadState, unit: UnitState = { shouldRun: machine.running ?? false }) {
  const tools = new FakeHookTools(config);
  const workload = new FakeWorkload(machine);
  const state = memoryStateStore(unit);
  let error: unknown;
  try {
    await runCharm(hook(event), { tools, workload, config: parseCharmConfig(tools.configGet()), state, afterSuccess: [] });
  } catch (caught) {
    error = caught;
  }
  return { tools, workload, error, state: state.state };
}

const invalidSlugs = ['', 'foo_bar', 'foo/bar'];
const blockedMessage = (slug: string) => `Invalid slug: '${slug}'. Slug must match the regex [a-z0-9-]+`;

describe('charm: the reference unit tests', () => {
  it('install: installs, sets the workload version, waits for start', async () => {
    const { tools, workload } = await run('install', { slug: 'example' }, {});
    expect(workload.installed).toBe(true);
    expect(tools.workloadVersion).toBe('1.11.1');
    expect(tools.status).toEqual({ name: 'maintenance', message: 'Waiting for tinyproxy to start' });
    expect(workload.actions).toEqual(['install']);
  });

  it('start: writes the config, starts tinyproxy, opens 8000/tcp, active', async () => {
    const { tools, workload, state } = await run('start', { slug: 'example' }, { installed: true });
    expect(state).toEqual({ shouldRun: true, openedPort: 8000 });
    expect(tools.status).toEqual({ name: 'active', message: '' });
    expect(workload.running).toBe(true);
    expect(workload.settings).toEqual(example);
    expect(workload.actions).toEqual(['write-config', 'start']);
    expect([...tools.ports]).toEqual(['8000/tcp']);
  });

  it('config-changed: rewrites the config and reloads (no restart)', async () => {
    const { tools, workload } = await run('config-changed', { slug: 'foo' }, configured);
    expect(tools.status).toEqual({ name: 'active', message: '' });
    expect(workload.settings).toEqual({ ...example, slug: 'foo' });
    expect(workload.actions).toEqual(['write-config', 'reload']);
    expect(workload.pid).toBe(100);
    expect(tools.logs).toContainEqual({ level: 'INFO', message: 'Config changed while tinyproxy is running. Updating tinyproxy config' });
  });

  it.each(invalidSlugs)('start with slug %j: blocked, nothing written or started', async (slug) => {
    const { tools, workload } = await run('start', { slug }, { installed: true });
    expect(tools.status).toEqual({ name: 'blocked', message: blockedMessage(slug) });
    expect(workload.running).toBe(false);
    expect(workload.settings).toBeUndefined();
    expect(workload.actions).toEqual([]);
  });

  it.each(invalidSlugs)('config-changed with slug %j: blocked, still serving the old config', async (slug) => {
    const { tools, workload } = await run('config-changed', { slug }, configured);
    expect(tools.status).toEqual({ name: 'blocked', message: blockedMessage(slug) });
    expect(workload.running).toBe(true);
    expect(workload.settings).toEqual(example);
    expect(workload.actions).toEqual([]);
  });

  it('stop: stops tinyproxy, waits for start', async () => {
    const { tools, workload, state } = await run('stop', { slug: 'example' }, configured);
    expect(tools.status).toEqual({ name: 'maintenance', message: 'Waiting for tinyproxy to start' });
    expect(workload.running).toBe(false);
    expect(workload.actions).toEqual(['stop']);
    expect(state).toEqual({ shouldRun: false });
  });

  it('remove: uninstalls, waits for install', async () => {
    const { tools, workload } = await run('remove', { slug: 'example' }, { installed: true });
    expect(tools.status).toEqual({ name: 'maintenance', message: 'Waiting for tinyproxy to be installed' });
    expect(workload.installed).toBe(false);
    expect(workload.actions).toEqual(['uninstall']);
  });
});

describe('charm: beyond the reference', () => {
  it('config-changed with nothing changed: no write, no reload, one status-set', async () => {
    const { tools, workload } = await run('config-changed', { slug: 'example' }, configured);
    expect(workload.actions).toEqual([]);
    expect(tools.statusSets).toBe(1);
    expect(tools.logs).toEqual([]);
  });

  it('config-changed while stopped: starts it', async () => {
    const { tools, workload } = await run('config-changed', { slug: 'example' }, { installed: true });
    expect(workload.actions).toEqual(['write-config', 'start']);
    expect(tools.status?.name).toBe('active');
  });

  it('start before install: nothing happens, waits for install', async () => {
    const { tools, workload } = await run('start', { slug: 'example' }, {});
    expect(workload.actions).toEqual([]);
    expect(tools.status).toEqual({ name: 'maintenance', message: 'Waiting for tinyproxy to be installed' });
  });

  it('an invalid slug outranks waiting for install (blocked > maintenance)', async () => {
    const { tools } = await run('update-status', { slug: 'A' }, {});
    expect(tools.status).toEqual({ name: 'blocked', message: blockedMessage('A') });
  });

  it.each(['update-status', 'leader-elected', 'some-relation-joined'])('%s only collects status', async (event) => {
    const { tools, workload, error } = await run(event, { slug: 'example' }, configured);
    expect(error).toBeUndefined();
    expect(workload.actions).toEqual([]);
    expect(tools.status).toEqual({ name: 'active', message: '' });
  });

  it('upgrade-charm re-applies install steps and reloads a changed config', async () => {
    const { tools, workload } = await run('upgrade-charm', { slug: 'foo' }, configured);
    expect(workload.actions).toEqual(['install', 'write-config', 'reload']);
    expect(workload.running).toBe(true);
    expect(tools.status?.name).toBe('active');
  });

  it('a crash during reload is logged as a WARNING, not a failed hook', async () => {
    const { tools, error } = await run('config-changed', { slug: 'foo' }, { ...configured, crashOnReload: true });
    expect(error).toBeUndefined();
    expect(tools.logs.some((log) => log.level === 'WARNING' && log.message.includes('died while reloading'))).toBe(true);
  });

  it('a failed start fails the hook but still sets the status', async () => {
    const { tools, error } = await run('start', { slug: 'example' }, { installed: true, failStart: 'port 8000 is already in use' });
    expect(String(error)).toContain('port 8000 is already in use');
    expect(tools.status).toEqual({ name: 'maintenance', message: 'Waiting for tinyproxy to start' });
  });

  it('leader-elected right after install does not start tinyproxy (as the tutorial)', async () => {
    const { tools, workload } = await run('leader-elected', { slug: 'example' }, { installed: true });
    expect(workload.actions).toEqual([]);
    expect(tools.status).toEqual({ name: 'maintenance', message: 'Waiting for tinyproxy to start' });
  });

  it('update-status starts again a tinyproxy that died, and says so', async () => {
    const { tools, workload } = await run('update-status', { slug: 'example' }, { installed: true, settings: example }, { shouldRun: true });
    expect(workload.actions).toEqual(['start']);
    expect(tools.status).toEqual({ name: 'active', message: '' });
    expect(tools.logs[0]).toEqual({ level: 'WARNING', message: 'tinyproxy should be running but is not (it died or was killed): starting it again' });
  });

  it('update-status after a stop on purpose leaves it stopped', async () => {
    const { tools, workload } = await run('update-status', { slug: 'example' }, { installed: true, settings: example }, { shouldRun: false });
    expect(workload.actions).toEqual([]);
    expect(tools.status).toEqual({ name: 'maintenance', message: 'Waiting for tinyproxy to start' });
  });

  it('a config file changed behind the charm is restored and reloaded by the next hook', async () => {
    const { workload } = await run('update-status', { slug: 'example' }, { ...configured, settings: { ...example, slug: 'edited' } });
    expect(workload.actions).toEqual(['write-config', 'reload']);
    expect(workload.settings).toEqual(example);
  });

  it('a process serving an older config than the file (hook killed before reload) is reloaded', async () => {
    const tools = new FakeHookTools({ slug: 'example' });
    const workload = new FakeWorkload(configured);
    workload.stale = true;
    await runCharm(hook('config-changed'), { tools, workload, config: parseCharmConfig(tools.configGet()), state: memoryStateStore({ shouldRun: true }), afterSuccess: [] });
    expect(workload.actions).toEqual(['reload']);
  });

  it('every hook run twice: the same end state, no second reload or start', async () => {
    const tools = new FakeHookTools({ slug: 'foo' });
    const workload = new FakeWorkload({ installed: true });
    const state = memoryStateStore();
    for (const event of ['config-changed', 'config-changed', 'start', 'start', 'update-status', 'update-status']) {
      await runCharm(hook(event), { tools, workload, config: parseCharmConfig(tools.configGet()), state, afterSuccess: [] });
    }
    expect(workload.actions).toEqual(['write-config', 'start']);
    expect(tools.status).toEqual({ name: 'active', message: '' });
  });
});

describe('charm: server-port and upstream', () => {
  it('a new server-port restarts tinyproxy (a reload cannot rebind) and moves the opened port', async () => {
    const tools = new FakeHookTools({ 'server-port': 8001 });
    tools.ports.add('8000/tcp');
    const workload = new FakeWorkload(configured);
    await runCharm(hook('config-changed'), { tools, workload, config: parseCharmConfig(tools.configGet()), state: memoryStateStore({ shouldRun: true }), afterSuccess: [] });
    expect(workload.actions).toEqual(['write-config', 'restart']);
    expect(workload.listeningPort).toBe(8001);
    expect([...tools.ports]).toEqual(['8001/tcp']);
    expect(tools.status).toEqual({ name: 'active', message: '' });
  });

  it('a new upstream is a reload, not a restart', async () => {
    const { workload } = await run('config-changed', { upstream: 'http://backend:9000/base' }, configured);
    expect(workload.actions).toEqual(['write-config', 'reload']);
    expect(workload.settings?.upstream).toBe('http://backend:9000/base/');
  });

  it('server-port 22: blocked naming the option, nothing changes', async () => {
    const { tools, workload } = await run('config-changed', { 'server-port': 22 }, configured);
    expect(tools.status).toEqual({ name: 'blocked', message: 'Invalid server-port: 22. Port 22 is reserved for SSH' });
    expect(workload.actions).toEqual([]);
    expect(workload.settings).toEqual(example);
  });

  it('an https upstream: blocked with the reason, nothing changes', async () => {
    const { tools, workload } = await run('config-changed', { upstream: 'https://www.example.com/' }, configured);
    expect(tools.status).toEqual({ name: 'blocked', message: "Invalid upstream: 'https://www.example.com/'. Tinyproxy's reverse proxy cannot reach https upstreams; use http://" });
    expect(workload.actions).toEqual([]);
  });

  it('several invalid options: one blocked status naming each', async () => {
    const { tools } = await run('config-changed', { slug: 'a_b', 'server-port': 70000 }, configured);
    expect(tools.status).toEqual({
      name: 'blocked',
      message: `${blockedMessage('a_b')}; Invalid server-port: 70000. It must be an integer from 1 to 65535`,
    });
  });

  it('a process listening on a stale port is restarted on the configured one by any hook', async () => {
    const workload = new FakeWorkload(configured);
    workload.listeningPort = 8123;
    const tools = new FakeHookTools();
    await runCharm(hook('update-status'), { tools, workload, config: parseCharmConfig(tools.configGet()), state: memoryStateStore({ shouldRun: true }), afterSuccess: [] });
    expect(workload.actions).toEqual(['restart']);
    expect(tools.status).toEqual({ name: 'active', message: '' });
  });

  it('says so when tinyproxy runs but does not serve the config and the repair failed', async () => {
    const workload = new FakeWorkload(configured);
    workload.stale = true;
    workload.reload = async () => {
      throw new Error('tinyproxy did not apply its new config within 3 s');
    };
    const tools = new FakeHookTools();
    await expect(
      runCharm(hook('update-status'), { tools, workload, config: parseCharmConfig(tools.configGet()), state: memoryStateStore({ shouldRun: true }), afterSuccess: [] }),
    ).rejects.toThrow('did not apply');
    expect(tools.status).toEqual({ name: 'maintenance', message: 'tinyproxy runs but does not serve /example/ on port 8000; the next hook repairs it' });
  });
});

describe('charm: opened ports survive a failed hook', () => {
  it('a start that failed after tinyproxy came up: the retry opens the port', async () => {
    const tools = new FakeHookTools();
    const workload = new FakeWorkload({ installed: true });
    const state = memoryStateStore();
    tools.openPort = () => {
      throw new Error('hook tool open-port failed (exit 1): ERROR connection refused');
    };
    await expect(runCharm(hook('start'), { tools, workload, config: parseCharmConfig(tools.configGet()), state, afterSuccess: [] })).rejects.toThrow(/open-port/);
    expect(state.state.openedPort).toBeUndefined();
    const retry = new FakeHookTools();
    await runCharm(hook('start'), { tools: retry, workload, config: parseCharmConfig(retry.configGet()), state, afterSuccess: [] });
    expect([...retry.ports]).toEqual(['8000/tcp']);
    expect(state.state).toEqual({ shouldRun: true, openedPort: 8000 });
    expect(workload.actions).toEqual(['write-config', 'start']);
  });

  it('once a hook succeeded, later hooks do not ask Juju for the ports', async () => {
    const tools = new FakeHookTools();
    let asked = 0;
    const openedPorts = tools.openedPorts;
    tools.openedPorts = () => {
      asked += 1;
      return openedPorts();
    };
    const workload = new FakeWorkload(configured);
    const state = memoryStateStore({ shouldRun: true, openedPort: 8000 });
    await runCharm(hook('update-status'), { tools, workload, config: parseCharmConfig(tools.configGet()), state, afterSuccess: [] });
    await runCharm(hook('config-changed'), { tools, workload, config: parseCharmConfig(tools.configGet()), state, afterSuccess: [] });
    expect(asked).toBe(0);
  });
});
