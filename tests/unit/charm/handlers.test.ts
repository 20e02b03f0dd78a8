// What each hook leaves behind, beyond the reference tests in charm.test.ts: the unit state,
// the process, the opened ports and what an operator reads in `juju debug-log`.
import { describe, expect, it } from 'vitest';
import { CONFIG_CHANGED_LOG, WAITING_FOR_INSTALL, WAITING_FOR_START } from '../../../src/charm/messages.ts';
import { servingMachine } from '../../fakes/fake-workload.ts';
import { hook, world } from '../../fakes/world.ts';

const example = { port: 8000, slug: 'example', upstream: 'http://www.example.com/' };
/** A juju-log line at `level` whose message contains `text`. */
const log = (level: string, text: string) => ({ level, message: expect.stringContaining(text) });

describe('handlers: what the hooks log', () => {
  it.each([
    ['systemd', 'tinyproxy runs as a systemd service'],
    ['direct', 'PID 1 is not systemd'],
  ] as const)('install on a %s machine says how tinyproxy will run', async (mode, how) => {
    const w = world({ machine: { mode } });
    await hook(w, 'install');
    expect(w.juju.logs).toEqual([log('INFO', `Installing tinyproxy; ${how}`)]);
  });

  it('a retried install (tinyproxy already there) installs quietly', async () => {
    const w = world({ machine: { installed: true } });
    await hook(w, 'install');
    expect(w.juju.logs).toEqual([]);
    expect(w.juju.workloadVersion).toBe('1.11.1');
  });

  it.each([
    ['systemd', 'tinyproxy runs as a systemd service'],
    ['direct', 'PID 1 is not systemd'],
  ] as const)('start on a %s machine says so', async (mode, how) => {
    const w = world({ machine: { mode, installed: true } });
    await hook(w, 'start');
    expect(w.juju.logs).toEqual([log('INFO', `Starting tinyproxy; ${how}`)]);
  });

  it('a config change is one reload, logged once, with no warning', async () => {
    const w = world({ config: { slug: 'foo' }, machine: servingMachine(example) });
    await hook(w, 'config-changed');
    expect(w.juju.logs).toEqual([log('INFO', CONFIG_CHANGED_LOG)]);
    expect(w.workload.reloads).toBe(1);
    expect(w.workload.restarts).toBe(0);
  });

  it('a new port is a restart, never a reload, and the log says why', async () => {
    const w = world({ config: { 'server-port': 8001 }, machine: servingMachine(example) });
    await hook(w, 'config-changed');
    expect(w.workload.reloads).toBe(0);
    expect(w.workload.restarts).toBe(1);
    expect(w.juju.logs).toEqual([log('INFO', 'Restarting tinyproxy to serve /example/ on port 8001 (a reload does not rebind)')]);
  });

  it('a stopped (SIGSTOP) tinyproxy is restarted with a warning naming what the check saw', async () => {
    const w = world({ machine: { ...servingMachine(example), process: { pid: 100, ...example, stopped: true } } });
    await hook(w, 'update-status');
    expect(w.workload.reloads).toBe(0);
    expect(w.juju.logs).toEqual([log('WARNING', 'Restarting tinyproxy to serve /example/ on port 8000 (it is stopped')]);
  });

  it('a bare daemon that crashes on a reload is started again by the charm, which says so', async () => {
    const w = world({ config: { slug: 'foo' }, machine: { ...servingMachine(example), crashOnReload: true } });
    await hook(w, 'config-changed');
    expect(w.juju.logs).toContainEqual(log('WARNING', 'tinyproxy (pid 100) died while reloading its config; starting it again'));
    expect(w.workload.process).toEqual({ pid: 101, ...example, slug: 'foo' });
    expect(w.workload.starts).toBe(1);
  });

  it('a service that crashes on a reload is back under systemd: the charm names the new pid and starts nothing', async () => {
    const w = world({ config: { slug: 'foo' }, machine: { ...servingMachine(example), mode: 'systemd', crashOnReload: true } });
    await hook(w, 'config-changed');
    expect(w.juju.logs).toContainEqual(log('WARNING', 'tinyproxy (pid 100) died while reloading its config; it runs again as pid 101'));
    expect(w.workload.process).toEqual({ pid: 101, ...example, slug: 'foo' });
    expect(w.workload.starts + w.workload.restarts).toBe(0);
    expect(w.juju.status).toEqual({ name: 'active', message: '' });
  });

  it('a reload that did not take is followed by a restart, with a warning naming what the check saw', async () => {
    const w = world({ config: { slug: 'foo' }, machine: servingMachine(example) });
    w.workload.reload = async () => ({ pidBefore: 100, pidAfter: 100, crashed: false, applied: false });
    await hook(w, 'config-changed');
    expect(w.juju.logs).toContainEqual(log('WARNING', 'tinyproxy did not serve /foo/ after a reload (it does not map /foo/): restarting it'));
  });
});

describe('handlers: what the unit remembers', () => {
  it('an invalid config at start: nothing runs, and nothing is to be kept running', async () => {
    const w = world({ config: { slug: 'A' }, machine: { installed: true }, unit: { shouldRun: false } });
    await hook(w, 'start');
    expect(w.state.state.shouldRun).toBe(false);
  });

  it('an invalid config does not adopt a tinyproxy found running (the state was lost)', async () => {
    const w = world({ config: { slug: 'A' }, machine: servingMachine(example), unit: { shouldRun: false } });
    await hook(w, 'config-changed');
    expect(w.state.state.shouldRun).toBe(false);
    expect(w.workload.process).toEqual({ pid: 100, ...example });
  });

  it('a valid config adopts it', async () => {
    const w = world({ machine: servingMachine(example), unit: { shouldRun: false } });
    await hook(w, 'config-changed');
    expect(w.state.state.shouldRun).toBe(true);
  });

  it('remove: nothing is to be kept running', async () => {
    const w = world({ machine: servingMachine(example), unit: { shouldRun: true } });
    await hook(w, 'remove');
    expect(w.state.state.shouldRun).toBe(false);
  });
});

describe('handlers: before install, or after tinyproxy was removed behind the charm', () => {
  it('upgrade-charm before install installs nothing', async () => {
    const w = world();
    await hook(w, 'upgrade-charm');
    expect(w.workload.isInstalled()).toBe(false);
    expect(w.juju.status).toEqual({ name: 'maintenance', message: WAITING_FOR_INSTALL });
  });

  it('update-status with tinyproxy uninstalled by hand waits for install, without claiming it died', async () => {
    const w = world({ unit: { shouldRun: true } });
    await hook(w, 'update-status');
    expect(w.juju.logs).toEqual([]);
    expect(w.juju.status).toEqual({ name: 'maintenance', message: WAITING_FOR_INSTALL });
  });
});

describe('handlers: events without a handler', () => {
  it('an action runs no hook handler, but the status is still set', async () => {
    const w = world({ machine: { installed: true, file: example }, unit: { shouldRun: true } });
    await hook(w, { kind: 'action', name: 'start' });
    expect(w.workload.process).toBeUndefined();
    expect(w.juju.status).toEqual({ name: 'maintenance', message: WAITING_FOR_START });
  });
});
