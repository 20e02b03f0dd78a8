import { describe, expect, it } from 'vitest';
import { servingMachine } from '../../fakes/fake-workload.ts';
import { dispatch, failingHook, hook, type World, world } from '../../fakes/world.ts';

const example = { port: 8000, slug: 'example', upstream: 'http://www.example.com/' };

/** A freshly installed unit, before its first start. */
const installed = (): World => world({ machine: { installed: true } });

const ports = (w: World): string[] => [...w.juju.committedPorts].sort();

describe('ports: Juju keeps a hook port changes only if the hook succeeds and is committed', () => {
  it('a start whose final status-set fails loses its open-port; the next update-status opens it again', async () => {
    const w = installed();
    w.juju.failing.set('status-set', 'ERROR permission denied');
    expect((await dispatch(w, 'start')).failed).toBe(true);
    expect(ports(w)).toEqual([]);
    w.juju.failing.clear();
    await hook(w, 'update-status');
    expect(ports(w)).toEqual(['8000/tcp']);
  });

  it('a start whose commit Juju drops: the next hook opens the port again', async () => {
    const w = installed();
    await hook(w, 'start', { commitSucceeds: false });
    expect(ports(w)).toEqual([]);
    await hook(w, 'update-status');
    expect(ports(w)).toEqual(['8000/tcp']);
  });

  it('a port move whose open-port fails after the restart: the next hook moves the opened port', async () => {
    const w = world({ config: { 'server-port': 8080 }, ports: ['8000/tcp'], machine: servingMachine(example), unit: { shouldRun: true, openedPort: 8000 } });
    w.juju.failing.set('open-port', 'ERROR connection is shut down');
    await failingHook(w, 'config-changed');
    expect(w.workload.process).toMatchObject({ port: 8080 });
    expect(ports(w)).toEqual(['8000/tcp']);
    w.juju.failing.clear();
    await hook(w, 'update-status');
    expect(ports(w)).toEqual(['8080/tcp']);
  });

  it('a port move whose commit is dropped: the next hook closes the old port and opens the new one', async () => {
    const w = world({ config: { 'server-port': 8080 }, ports: ['8000/tcp'], machine: servingMachine(example), unit: { shouldRun: true, openedPort: 8000 } });
    await hook(w, 'config-changed', { commitSucceeds: false });
    expect(ports(w)).toEqual(['8000/tcp']);
    await hook(w, 'update-status');
    expect(ports(w)).toEqual(['8080/tcp']);
  });

  it('an invalid config after a lost port still re-opens the port tinyproxy serves on', async () => {
    const w = installed();
    await hook(w, 'start', { commitSucceeds: false });
    w.juju.setConfig({ slug: 'NOT VALID' });
    await hook(w, 'config-changed');
    expect(ports(w)).toEqual(['8000/tcp']);
    expect(w.juju.status?.name).toBe('blocked');
  });
});

describe('ports: steady hooks ask Juju nothing once the port is confirmed', () => {
  it('after start: one more hook confirms the port, then update-status makes exactly 2 calls', async () => {
    const w = installed();
    await hook(w, 'start');
    expect(w.state.state.openedPort).toBeUndefined();
    expect(await hook(w, 'update-status')).toEqual(['config-get', 'opened-ports', 'status-set']);
    expect(w.state.state.openedPort).toBe(8000);
    expect(await hook(w, 'update-status')).toEqual(['config-get', 'status-set']);
    expect(await hook(w, 'config-changed')).toEqual(['config-get', 'status-set']);
  });

  it('the confirmation is what opened-ports showed, never what the charm asked for', async () => {
    const w = installed();
    await hook(w, 'start', { commitSucceeds: false });
    expect(await hook(w, 'update-status')).toEqual(['config-get', 'opened-ports', 'open-port', 'status-set']);
    expect(w.state.state.openedPort).toBeUndefined();
    await hook(w, 'update-status');
    expect(w.state.state.openedPort).toBe(8000);
  });

  it('stray ports opened by hand are closed, then confirmed by the next hook', async () => {
    const w = world({ ports: ['8000/tcp', '9999/tcp', '8000/udp'], machine: servingMachine(example) });
    expect(await hook(w, 'update-status')).not.toContain('open-port');
    expect(ports(w)).toEqual(['8000/tcp']);
    await hook(w, 'update-status');
    expect(w.state.state.openedPort).toBe(8000);
  });

  it('upgrade-charm looks again even when the port was confirmed', async () => {
    const w = world({ ports: [], machine: servingMachine(example), unit: { shouldRun: true, openedPort: 8000 } });
    const calls = await hook(w, 'upgrade-charm');
    expect(calls).toContain('opened-ports');
    expect(ports(w)).toEqual(['8000/tcp']);
  });

  it('a stopped unit keeps its ports and asks nothing', async () => {
    const w = world({ ports: ['8000/tcp'], machine: { installed: true, file: example }, unit: { shouldRun: false, openedPort: 8000 } });
    expect(await hook(w, 'update-status')).toEqual(['config-get', 'status-set']);
    expect(ports(w)).toEqual(['8000/tcp']);
  });
});

describe('ports: a stopped tinyproxy', () => {
  it('an invalid config while stopped keeps the ports and asks nothing', async () => {
    const w = world({ config: { slug: 'A' }, ports: ['8000/tcp'], machine: { installed: true, file: example }, unit: { shouldRun: false, openedPort: 8000 } });
    expect(await hook(w, 'config-changed')).toEqual(['config-get', 'status-set']);
    expect(ports(w)).toEqual(['8000/tcp']);
  });
});

describe('ports: a port moved and moved back', () => {
  it('forgets the confirmed port when it changes the ports, so moving back opens the old port again', async () => {
    const w = world({ ports: ['8000/tcp'], machine: servingMachine(example), unit: { shouldRun: true, openedPort: 8000 } });
    w.juju.setConfig({ 'server-port': 8080 });
    await hook(w, 'config-changed');
    expect(ports(w)).toEqual(['8080/tcp']);
    expect(w.state.state.openedPort).toBeUndefined();
    w.juju.setConfig({ 'server-port': 8000 });
    await hook(w, 'config-changed');
    expect(w.workload.process).toMatchObject({ port: 8000 });
    expect(ports(w)).toEqual(['8000/tcp']);
  });
});
