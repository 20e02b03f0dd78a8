import { describe, expect, it } from 'vitest';
import { HOOK_HANDLERS, handlerFor } from '../../../src/charm/charm.ts';
import { converge } from '../../../src/charm/handlers.ts';
import {
  CONFIG_CHANGED_LOG,
  DIED_LOG,
  invalidPort,
  invalidSlug,
  invalidUpstream,
  notServing,
  portInUse,
  portReserved,
  UPSTREAM_REASONS,
  WAITING_FOR_INSTALL,
  WAITING_FOR_START,
} from '../../../src/charm/messages.ts';
import { servingMachine } from '../../fakes/fake-workload.ts';
import { dispatch, failingHook, hook, world } from '../../fakes/world.ts';

const example = { port: 8000, slug: 'example', upstream: 'http://www.example.com/' };
const ACTIVE = { name: 'active', message: '' };
const WAITING_START = { name: 'maintenance', message: WAITING_FOR_START };
const WAITING_INSTALL = { name: 'maintenance', message: WAITING_FOR_INSTALL };
const invalidSlugs = ['', 'foo_bar', 'foo/bar'];

describe('charm: the reference unit tests', () => {
  it('install: installs, sets the workload version, waits for start', async () => {
    const w = world();
    await hook(w, 'install');
    expect(w.workload.isInstalled()).toBe(true);
    expect(w.juju.workloadVersion).toBe('1.11.1');
    expect(w.juju.status).toEqual(WAITING_START);
    expect(w.workload.process).toBeUndefined();
  });

  it('start: writes the config, starts tinyproxy serving it, opens 8000/tcp, active', async () => {
    const w = world({ machine: { installed: true } });
    await hook(w, 'start');
    expect(w.juju.status).toEqual(ACTIVE);
    expect(w.workload.file).toEqual(example);
    expect(w.workload.process).toMatchObject(example);
    expect([...w.juju.committedPorts]).toEqual(['8000/tcp']);
    expect(w.state.state.shouldRun).toBe(true);
  });

  it('config-changed: rewrites the config and reloads the same process', async () => {
    const w = world({ config: { slug: 'foo' }, machine: servingMachine(example) });
    await hook(w, 'config-changed');
    expect(w.juju.status).toEqual(ACTIVE);
    expect(w.workload.file).toEqual({ ...example, slug: 'foo' });
    expect(w.workload.process).toEqual({ pid: 100, ...example, slug: 'foo' });
    expect(w.workload.reloads).toBe(1);
    expect(w.juju.logs).toContainEqual({ level: 'INFO', message: CONFIG_CHANGED_LOG });
  });

  it.each(invalidSlugs)('start with slug %j: blocked, nothing written or started', async (slug) => {
    const w = world({ config: { slug }, machine: { installed: true } });
    await hook(w, 'start');
    expect(w.juju.status).toEqual({ name: 'blocked', message: invalidSlug(slug) });
    expect(w.workload.process).toBeUndefined();
    expect(w.workload.file).toBeUndefined();
  });

  it.each(invalidSlugs)('config-changed with slug %j: blocked, still serving the old config', async (slug) => {
    const w = world({ config: { slug }, machine: servingMachine(example) });
    await hook(w, 'config-changed');
    expect(w.juju.status).toEqual({ name: 'blocked', message: invalidSlug(slug) });
    expect(w.workload.process).toEqual({ pid: 100, ...example });
    expect(w.workload.file).toEqual(example);
    expect(w.workload.reloads).toBe(0);
  });

  it('stop: stops tinyproxy, waits for start, remembers it was on purpose', async () => {
    const w = world({ machine: servingMachine(example) });
    await hook(w, 'stop');
    expect(w.juju.status).toEqual(WAITING_START);
    expect(w.workload.process).toBeUndefined();
    expect(w.state.state.shouldRun).toBe(false);
  });

  it('remove: uninstalls, waits for install', async () => {
    const w = world({ machine: servingMachine(example) });
    await hook(w, 'remove');
    expect(w.juju.status).toEqual(WAITING_INSTALL);
    expect(w.workload.isInstalled()).toBe(false);
    expect(w.workload.process).toBeUndefined();
    expect(w.workload.file).toBeUndefined();
  });
});

describe('charm: event routing', () => {
  it.each([
    ['install', 'install'],
    ['start', 'configure'],
    ['config-changed', 'configure'],
    ['upgrade-charm', 'upgrade'],
    ['stop', 'stop'],
    ['remove', 'remove'],
  ])('%s goes to %s', (event, handler) => {
    expect(handlerFor({ kind: 'hook', name: event })?.name).toBe(handler);
    expect(HOOK_HANDLERS[event]?.name).toBe(handler);
  });

  it.each(['update-status', 'leader-elected', 'some-relation-joined'])('%s converges', (event) => {
    expect(handlerFor({ kind: 'hook', name: event })).toBe(converge);
  });

  it('an action has no handler, but still gets a status', async () => {
    expect(handlerFor({ kind: 'action', name: 'install' })).toBeUndefined();
  });
});

describe('charm: converging', () => {
  it('config-changed with nothing changed: nothing happens, config-get and status-set only', async () => {
    const w = world({ machine: servingMachine(example), ports: ['8000/tcp'], unit: { shouldRun: true, openedPort: 8000 } });
    const calls = await hook(w, 'config-changed');
    expect(calls).toEqual(['config-get', 'status-set']);
    expect(w.workload.process).toEqual({ pid: 100, ...example });
    expect(w.workload.reloads + w.workload.restarts + w.workload.starts).toBe(0);
    expect(w.juju.logs).toEqual([]);
  });

  it('config-changed while stopped: starts it', async () => {
    const w = world({ machine: { installed: true } });
    await hook(w, 'config-changed');
    expect(w.workload.process).toMatchObject(example);
    expect(w.juju.status).toEqual(ACTIVE);
  });

  it('start before install: nothing happens, waits for install', async () => {
    const w = world();
    await hook(w, 'start');
    expect(w.workload.file).toBeUndefined();
    expect(w.juju.status).toEqual(WAITING_INSTALL);
  });

  it('an invalid slug outranks waiting for install (blocked > maintenance)', async () => {
    const w = world({ config: { slug: 'A' } });
    await hook(w, 'update-status');
    expect(w.juju.status).toEqual({ name: 'blocked', message: invalidSlug('A') });
  });

  it.each(['update-status', 'leader-elected', 'some-relation-joined'])('%s on a serving unit changes nothing', async (event) => {
    const w = world({ machine: servingMachine(example), ports: ['8000/tcp'], unit: { shouldRun: true, openedPort: 8000 } });
    await hook(w, event);
    expect(w.workload.process).toEqual({ pid: 100, ...example });
    expect(w.juju.status).toEqual(ACTIVE);
  });

  it('upgrade-charm re-applies install steps and reloads a changed config', async () => {
    const w = world({ config: { slug: 'foo' }, machine: servingMachine(example), unit: { shouldRun: true } });
    await hook(w, 'upgrade-charm');
    expect(w.workload.process).toEqual({ pid: 100, ...example, slug: 'foo' });
    expect(w.juju.status).toEqual(ACTIVE);
  });

  it('upgrade-charm with a new service definition restarts the running service', async () => {
    const w = world({ machine: { ...servingMachine(example), definitionChanged: true }, unit: { shouldRun: true } });
    await hook(w, 'upgrade-charm');
    expect(w.workload.process).toEqual({ pid: 101, ...example });
    expect(w.workload.machine.definitionChanged).toBe(false);
    expect(w.juju.status).toEqual(ACTIVE);
  });

  it('upgrade-charm after a stop on purpose does not start tinyproxy', async () => {
    const w = world({ machine: { installed: true, file: example }, unit: { shouldRun: false } });
    await hook(w, 'upgrade-charm');
    expect(w.workload.process).toBeUndefined();
    expect(w.juju.status).toEqual(WAITING_START);
  });

  it('a crash during reload is logged as a WARNING and tinyproxy is started again', async () => {
    const w = world({ config: { slug: 'foo' }, machine: { ...servingMachine(example), crashOnReload: true } });
    await hook(w, 'config-changed');
    expect(w.juju.logs.some((log) => log.level === 'WARNING' && log.message.includes('died while reloading'))).toBe(true);
    expect(w.workload.process).toMatchObject({ slug: 'foo' });
    expect(w.juju.status).toEqual(ACTIVE);
  });

  it('a failed start fails the hook but still sets the status', async () => {
    const w = world({ machine: { installed: true, failStart: 'tinyproxy exited (code 71) while starting' } });
    const error = await failingHook(w, 'start');
    expect(String(error)).toContain('code 71');
    expect(w.juju.status).toEqual(WAITING_START);
  });

  it('leader-elected right after install does not start tinyproxy (as the tutorial)', async () => {
    const w = world({ machine: { installed: true } });
    await hook(w, 'leader-elected');
    expect(w.workload.process).toBeUndefined();
    expect(w.workload.file).toBeUndefined();
    expect(w.juju.status).toEqual(WAITING_START);
  });

  it('update-status starts again a tinyproxy that died, and says so', async () => {
    const w = world({ machine: { installed: true, file: example }, unit: { shouldRun: true } });
    await hook(w, 'update-status');
    expect(w.workload.process).toMatchObject(example);
    expect(w.juju.status).toEqual(ACTIVE);
    expect(w.juju.logs).toContainEqual({ level: 'WARNING', message: DIED_LOG });
  });

  it('update-status after a stop on purpose leaves it stopped', async () => {
    const w = world({ machine: { installed: true, file: example }, unit: { shouldRun: false } });
    await hook(w, 'update-status');
    expect(w.workload.process).toBeUndefined();
    expect(w.juju.status).toEqual(WAITING_START);
  });

  it('a running tinyproxy is repaired even when the unit state was lost', async () => {
    const w = world({ machine: { ...servingMachine(example), file: { ...example, slug: 'edited' } }, unit: { shouldRun: false } });
    await hook(w, 'update-status');
    expect(w.workload.file).toEqual(example);
    expect(w.juju.status).toEqual(ACTIVE);
  });

  it('a config file changed behind the charm is restored and reloaded by the next hook', async () => {
    const w = world({ machine: { ...servingMachine(example), file: { ...example, slug: 'edited' } } });
    await hook(w, 'update-status');
    expect(w.workload.file).toEqual(example);
    expect(w.workload.process).toEqual({ pid: 100, ...example });
    expect(w.workload.reloads).toBe(1);
  });

  it('a process serving another mapping than the file (reloaded by hand, or a hook killed before its reload) is reloaded', async () => {
    const w = world({ machine: { ...servingMachine(example), process: { pid: 100, ...example, slug: 'edited' } } });
    await hook(w, 'update-status');
    expect(w.workload.process).toEqual({ pid: 100, ...example });
    expect(w.workload.reloads).toBe(1);
    expect(w.juju.status).toEqual(ACTIVE);
  });

  it('every hook run twice: the same end state, no second reload or start', async () => {
    const w = world({ config: { slug: 'foo' }, machine: { installed: true } });
    for (const event of ['config-changed', 'config-changed', 'start', 'start', 'update-status', 'update-status']) await hook(w, event);
    expect(w.workload.starts).toBe(1);
    expect(w.workload.reloads + w.workload.restarts).toBe(0);
    expect(w.juju.status).toEqual(ACTIVE);
  });

  it('rotates tinyproxy logs on every hook that reconciles', async () => {
    const w = world({ machine: servingMachine(example) });
    await hook(w, 'update-status');
    await hook(w, 'config-changed');
    expect(w.workload.logRotations).toBe(2);
  });
});

describe('charm: active means serving', () => {
  it('a stopped (SIGSTOP) tinyproxy is restarted, not reported active', async () => {
    const w = world({ machine: { ...servingMachine(example), process: { pid: 100, ...example, stopped: true } } });
    await hook(w, 'update-status');
    expect(w.workload.process).toEqual({ pid: 101, ...example });
    expect(w.workload.restarts).toBe(1);
    expect(w.juju.status).toEqual(ACTIVE);
    expect(w.juju.logs.some((l) => l.level === 'WARNING' && l.message.includes('stopped'))).toBe(true);
  });

  it('a restart that fails leaves the hook failed and the status naming the problem', async () => {
    const w = world({ machine: { ...servingMachine(example), process: { pid: 100, ...example, stopped: true }, failStart: 'tinyproxy exited (code 70)' } });
    const error = await failingHook(w, 'update-status');
    expect(String(error)).toContain('code 70');
    expect(w.juju.status).toEqual(WAITING_START);
  });

  it('a reload that does not make it serve escalates to a restart', async () => {
    const w = world({ config: { slug: 'foo' }, machine: servingMachine(example) });
    w.workload.reload = async () => ({ pidBefore: 100, pidAfter: 100, crashed: false, applied: false });
    await hook(w, 'config-changed');
    expect(w.workload.process).toEqual({ pid: 101, ...example, slug: 'foo' });
    expect(w.workload.restarts).toBe(1);
    expect(w.juju.status).toEqual(ACTIVE);
  });

  it('another process on the configured port while tinyproxy is down: blocked naming it, nothing started', async () => {
    const w = world({ machine: { installed: true, file: example, stranger: { port: 8000, pid: 42, comm: 'nc' } }, unit: { shouldRun: true } });
    await hook(w, 'update-status');
    expect(w.juju.status).toEqual({ name: 'blocked', message: portInUse(8000, 'nc (pid 42)') });
    expect(w.workload.process).toBeUndefined();
    w.workload.machine.stranger = undefined;
    await hook(w, 'update-status');
    expect(w.workload.process).toMatchObject(example);
    expect(w.juju.status).toEqual(ACTIVE);
  });

  it('a port move to a port another process holds changes nothing and says why', async () => {
    const w = world({
      config: { 'server-port': 8080 },
      ports: ['8000/tcp'],
      machine: { ...servingMachine(example), stranger: { port: 8080, pid: 42, comm: 'fake-proxy' } },
      unit: { shouldRun: true, openedPort: 8000 },
    });
    await hook(w, 'config-changed');
    expect(w.juju.status).toEqual({ name: 'blocked', message: portInUse(8080, 'fake-proxy (pid 42)') });
    expect(w.workload.file).toEqual(example);
    expect(w.workload.process).toEqual({ pid: 100, ...example });
    expect([...w.juju.committedPorts]).toEqual(['8000/tcp']);
    w.workload.machine.stranger = undefined;
    await hook(w, 'update-status');
    expect(w.workload.process).toEqual({ pid: 101, ...example, port: 8080 });
    expect([...w.juju.committedPorts]).toEqual(['8080/tcp']);
    expect(w.juju.status).toEqual(ACTIVE);
  });
});

describe('charm: server-port and upstream', () => {
  it('a new server-port restarts tinyproxy (a reload cannot rebind) and moves the opened port', async () => {
    const w = world({ config: { 'server-port': 8001 }, ports: ['8000/tcp'], machine: servingMachine(example), unit: { shouldRun: true, openedPort: 8000 } });
    await hook(w, 'config-changed');
    expect(w.workload.process).toEqual({ pid: 101, ...example, port: 8001 });
    expect([...w.juju.committedPorts]).toEqual(['8001/tcp']);
    expect(w.juju.status).toEqual(ACTIVE);
  });

  it('a new upstream is a reload of the same process, not a restart', async () => {
    const w = world({ config: { upstream: 'http://backend:9000/base' }, machine: servingMachine(example) });
    await hook(w, 'config-changed');
    expect(w.workload.process).toEqual({ pid: 100, ...example, upstream: 'http://backend:9000/base/' });
    expect(w.workload.reloads).toBe(1);
  });

  it('server-port 22: blocked naming the option, nothing changes', async () => {
    const w = world({ config: { 'server-port': 22 }, machine: servingMachine(example) });
    await hook(w, 'config-changed');
    expect(w.juju.status).toEqual({ name: 'blocked', message: portReserved(22) });
    expect(w.workload.file).toEqual(example);
    expect(w.workload.process).toEqual({ pid: 100, ...example });
  });

  it('an https upstream: blocked with the reason, nothing changes', async () => {
    const w = world({ config: { upstream: 'https://www.example.com/' }, machine: servingMachine(example) });
    await hook(w, 'config-changed');
    expect(w.juju.status).toEqual({ name: 'blocked', message: invalidUpstream('https://www.example.com/', UPSTREAM_REASONS.https) });
    expect(w.workload.file).toEqual(example);
  });

  it('several invalid options: one blocked status naming each', async () => {
    const w = world({ config: { slug: 'a_b', 'server-port': 70000 }, machine: servingMachine(example) });
    await hook(w, 'config-changed');
    expect(w.juju.status).toEqual({ name: 'blocked', message: `${invalidSlug('a_b')}; ${invalidPort(70000)}` });
  });

  it('a process listening on a stale port is restarted on the configured one by any hook', async () => {
    const w = world({ machine: { ...servingMachine(example), process: { pid: 100, ...example, port: 8123 } } });
    await hook(w, 'update-status');
    expect(w.workload.process).toEqual({ pid: 101, ...example });
    expect(w.juju.status).toEqual(ACTIVE);
  });

  it('says so when tinyproxy runs but does not serve the config and the repair failed', async () => {
    const w = world({ machine: { ...servingMachine(example), process: { pid: 100, ...example, slug: 'old' } } });
    w.workload.reload = async () => {
      throw new Error('cannot signal tinyproxy');
    };
    const error = await failingHook(w, 'update-status');
    expect(String(error)).toContain('cannot signal');
    expect(w.juju.status).toEqual({ name: 'maintenance', message: notServing('example', 8000, 'it does not map /example/') });
  });
});

describe('charm: status-set failures', () => {
  it('a failing status-set fails the hook', async () => {
    const w = world({ machine: servingMachine(example) });
    w.juju.failing.set('status-set', 'ERROR connection is shut down');
    const { failed, error } = await dispatch(w, 'update-status');
    expect(failed).toBe(true);
    expect(String(error)).toContain('status-set');
  });

  it("a handler's error wins over a failing status-set", async () => {
    const w = world({ machine: { installed: true, failStart: 'the handler failed' } });
    w.juju.failing.set('status-set', 'ERROR connection is shut down');
    const error = await failingHook(w, 'start');
    expect(String(error)).toContain('the handler failed');
  });
});
