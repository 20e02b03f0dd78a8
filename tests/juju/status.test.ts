// parseStatus and the status conditions against `juju status --format=json` documents in
// fixtures/: written in the shape Juju 3.6 prints for a machine (LXD) model (cmd/juju/status
// formatted.go; field for field as in a recorded 3.6.4 LXD status), one per moment of the suite.
import { describe, expect, it } from 'vitest';
import { fixture, fixtureText } from './fixture.ts';
import { allOf, charmRefreshed, unitAndMachineGone, unitsInError, unitsSettled } from './lib/conditions.ts';
import { describeApp, parseStatus, unitAddress, unitsOf } from './lib/status.ts';

const SLUG_MESSAGE = "Invalid slug: 'foo/bar'. Slug must match the regex [a-z0-9-]+";

describe('parseStatus', () => {
  it('reads model, machines, application, units, version, ports and addresses', () => {
    const status = fixture('active');
    expect(status.model).toEqual({ name: 'tinyproxy-test-1a2b3c4d', controller: 'concierge-lxd', cloud: 'localhost', version: '3.6.11' });
    expect(status.machines['0']).toMatchObject({ id: '0', dnsName: '10.103.56.99', agent: { current: 'started' }, instance: { current: 'running', message: 'Running' } });
    const app = status.apps.tinyproxy;
    expect(app).toMatchObject({ name: 'tinyproxy', charmName: 'tinyproxy', charmRev: 0, exposed: true, version: '1.11.1', status: { current: 'active', message: '' } });
    expect(app?.units['tinyproxy/0']).toEqual({
      name: 'tinyproxy/0',
      workload: { current: 'active', message: '', since: '21 Nov 2025 10:01:40Z', version: '', life: '' },
      agent: { current: 'idle', message: '', since: '21 Nov 2025 10:01:41Z', version: '3.6.11', life: '' },
      leader: true,
      upgradingFrom: '',
      machine: '0',
      publicAddress: '10.103.56.99',
      openPorts: ['8000/tcp'],
    });
  });

  it('reads a blocked message exactly, and the life of a dying unit', () => {
    expect(fixture('blocked-slug').apps.tinyproxy?.units['tinyproxy/0']?.workload).toMatchObject({ current: 'blocked', message: SLUG_MESSAGE });
    expect(fixture('removing').apps.tinyproxy?.units['tinyproxy/1']?.agent).toMatchObject({ current: 'executing', message: 'running stop hook', life: 'dying' });
  });

  it('gives a unit not yet on a machine no address and no ports, and an application no version', () => {
    const status = fixture('deploying');
    const unit = status.apps.tinyproxy?.units['tinyproxy/0'];
    expect(unit).toMatchObject({ publicAddress: '', openPorts: [], agent: { current: 'allocating' }, workload: { current: 'waiting', message: 'waiting for machine' } });
    expect(status.apps.tinyproxy?.version).toBe('');
    expect(unit && unitAddress(status, unit)).toBe('');
    expect(status.machines['0']?.agent.current).toBe('pending');
  });

  it('turns {"status-error": ...} entries into status "unknown" with the error as message', () => {
    const status = fixture('status-errors');
    expect(status.apps.broken?.status).toMatchObject({ current: 'unknown', message: 'status-error: cannot get application broken: connection is shut down' });
    expect(status.apps.tinyproxy?.units['tinyproxy/1']?.workload.current).toBe('unknown');
    expect(status.machines['1']?.agent.message).toContain('cannot get machine 1');
  });

  it('refuses what is not a status document, saying what it got', () => {
    expect(() => parseStatus('ERROR model not found')).toThrow(/did not print JSON/);
    expect(() => parseStatus('[]')).toThrow(/not a JSON object/);
    expect(() => parseStatus('{"model": {}}')).toThrow(/no model\/machines\/applications/);
  });
});

describe('status helpers', () => {
  it('lists units by unit number and finds each address', () => {
    const status = fixture('two-units');
    expect(unitsOf(status, 'tinyproxy').map((u) => [u.name, unitAddress(status, u)])).toEqual([
      ['tinyproxy/0', '10.103.56.99'],
      ['tinyproxy/1', '10.103.56.129'],
    ]);
    expect(unitsOf(status, 'nope')).toEqual([]);
  });

  it("falls back to the machine's DNS name when a unit has no public address", () => {
    const status = fixture('active');
    const unit = { ...unitsOf(status, 'tinyproxy')[0]!, publicAddress: '' };
    expect(unitAddress(status, unit)).toBe('10.103.56.99');
  });

  it('describes an application one unit per line', () => {
    expect(describeApp(fixture('install-error'), 'tinyproxy')).toBe(`tinyproxy: error 'hook failed: "install"'\n  tinyproxy/0: error 'hook failed: "install"', agent idle, ports [], machine 0`);
    expect(describeApp(fixture('active'), 'other')).toBe('other: not in the model');
  });
});

describe('conditions', () => {
  it('unitsSettled: says why each moment of a deploy is not active yet, then holds', () => {
    const active = unitsSettled('tinyproxy', { workload: 'active', units: 1 });
    expect(active(fixture('deploying'))).toBe("tinyproxy/0 is waiting 'waiting for machine', expected active");
    expect(active(fixture('installing'))).toBe("tinyproxy/0 is maintenance 'installing charm software', expected active");
    expect(active(fixture('active'))).toBeUndefined();
    expect(unitsSettled('other', { workload: 'active' })(fixture('active'))).toBe('other is not in the model yet');
  });

  it('unitsSettled: checks the unit count, exact message, idle agent and exact ports', () => {
    expect(unitsSettled('tinyproxy', { workload: 'active', units: 2 })(fixture('active'))).toBe('tinyproxy has 1 unit(s), expected 2');
    expect(unitsSettled('tinyproxy', { workload: 'active', units: 2, ports: ['8000/tcp'] })(fixture('two-units'))).toBeUndefined();
    expect(unitsSettled('tinyproxy', { workload: 'blocked', message: SLUG_MESSAGE })(fixture('blocked-slug'))).toBeUndefined();
    expect(unitsSettled('tinyproxy', { workload: 'blocked', message: 'Invalid slug' })(fixture('blocked-slug'))).toMatch(/says 'Invalid slug: 'foo\/bar'/);
    expect(unitsSettled('tinyproxy', { workload: 'active', ports: ['8080/tcp'] })(fixture('active'))).toBe('tinyproxy/0 has open ports [8000/tcp], expected [8080/tcp]');
    const executing = parseStatus(fixtureText('active').replace('"current": "idle"', '"current": "executing", "message": "running config-changed hook"'));
    expect(unitsSettled('tinyproxy', { workload: 'active' })(executing)).toBe('tinyproxy/0 agent is executing (running config-changed hook)');
  });

  it('unitAndMachineGone: holds only once both the unit and its machine are gone', () => {
    const gone = unitAndMachineGone('tinyproxy', 'tinyproxy/1', '1');
    expect(gone(fixture('removing'))).toBe('tinyproxy/1 is still listed (executing)');
    const machineLeft = parseStatus(fixtureText('two-units').replace(/"tinyproxy\/1": \{[\s\S]*?"public-address": "10.103.56.129"\n\s*\}/, '"x": {}'));
    expect(gone(machineLeft)).toBe('machine 1 is still listed (started)');
    expect(gone(fixture('removed'))).toBeUndefined();
  });

  it('unitsInError: names units in error, optionally only one', () => {
    expect(unitsInError('tinyproxy')(fixture('install-error'))).toBe(`tinyproxy/0 is in error: 'hook failed: "install"'`);
    expect(unitsInError('tinyproxy', 'tinyproxy/1')(fixture('install-error'))).toBeUndefined();
    expect(unitsInError('tinyproxy')(fixture('active'))).toBeUndefined();
  });

  it('charmRefreshed: holds once the application is at the revision and no unit is upgrading from an older one', () => {
    const refreshed = charmRefreshed('tinyproxy', 1);
    expect(refreshed(fixture('two-units'))).toBe('tinyproxy is at charm revision 0, expected 1');
    const text = fixtureText('two-units').replace('"charm-rev": 0', '"charm-rev": 1');
    const upgrading = parseStatus(text.replace('"leader": true,', '"leader": true,\n          "upgrading-from": "local:tinyproxy-0",'));
    expect(upgrading.apps.tinyproxy?.units['tinyproxy/0']?.upgradingFrom).toBe('local:tinyproxy-0');
    expect(refreshed(upgrading)).toBe('tinyproxy/0 is still upgrading from local:tinyproxy-0');
    expect(refreshed(parseStatus(text))).toBeUndefined();
    expect(charmRefreshed('other', 1)(parseStatus(text))).toBe('other is not in the model');
  });

  it('allOf: the first condition that does not hold gives the reason', () => {
    const both = allOf(unitAndMachineGone('tinyproxy', 'tinyproxy/1', '1'), unitsSettled('tinyproxy', { workload: 'active', units: 1 }));
    expect(both(fixture('removing'))).toMatch(/tinyproxy\/1 is still listed/);
    expect(both(fixture('removed'))).toBeUndefined();
  });
});
