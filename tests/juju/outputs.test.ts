// `juju exec` and `juju config` JSON (in the shapes Juju 3.6 prints), the suite's settings,
// finding the charm, and the HTTP verdicts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { debianArch, findCharm, readableByJuju, whichCommand } from './lib/charm.ts';
import { notBadRequest, notExamplePage, notMapped, notSilent, targetUrl } from './lib/http.ts';
import { parseConfigOutput, parseExecOutput } from './lib/outputs.ts';
import { readSettings } from './lib/settings.ts';

const temps: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'juju-suite-test-'));
  temps.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('parseExecOutput', () => {
  it('reads return code and output of a completed command', () => {
    const text = '{"tinyproxy/0":{"id":"4","results":{"return-code":0,"stdout":"tinyproxy 1.11.1\\n"},"status":"completed","unit":"tinyproxy/0"}}';
    expect(parseExecOutput(text, 'tinyproxy/0')).toEqual({ unit: 'tinyproxy/0', status: 'completed', returnCode: 0, stdout: 'tinyproxy 1.11.1\n', stderr: '' });
  });

  it('reads a failed command, and a result keyed by the real unit name for <app>/leader', () => {
    const text = '{"tinyproxy/1":{"id":"9","results":{"return-code":127,"stderr":"bash: tinyproxy: command not found\\n"},"status":"completed","unit":"tinyproxy/1"}}';
    expect(parseExecOutput(text, 'tinyproxy/leader')).toMatchObject({ unit: 'tinyproxy/1', returnCode: 127, stderr: 'bash: tinyproxy: command not found\n' });
  });

  it('refuses output with no result for the unit', () => {
    expect(() => parseExecOutput('{}', 'tinyproxy/0')).toThrow(/no result for tinyproxy\/0/);
  });
});

describe('parseConfigOutput', () => {
  it('reads each option under settings: type, value, default, source', () => {
    const text = JSON.stringify({
      application: 'tinyproxy',
      'application-config': { trust: { default: false, source: 'default', type: 'bool', value: false } },
      charm: 'tinyproxy',
      settings: {
        slug: { default: 'example', description: 'path', source: 'user', type: 'string', value: 'foo' },
        'server-port': { default: 8000, description: 'port', source: 'default', type: 'int', value: 8000 },
        nodefault: { description: 'unset', source: 'unset', type: 'string' },
      },
    });
    expect(parseConfigOutput(text)).toEqual({
      slug: { type: 'string', value: 'foo', default: 'example', source: 'user' },
      'server-port': { type: 'int', value: 8000, default: 8000, source: 'default' },
      nodefault: { type: 'string', value: undefined, default: undefined, source: 'unset' },
    });
    expect(() => parseConfigOutput('{"application":"x"}')).toThrow(/no settings/);
  });
});

describe('readSettings', () => {
  it('has defaults, reads the flags, and refuses malformed values', () => {
    expect(readSettings({}, '/work')).toEqual({
      charmPath: undefined,
      keepModel: false,
      noEgress: false,
      pollMs: 2000,
      timeoutScale: 1,
      httpProxy: undefined,
      controller: undefined,
      cloud: undefined,
      model: undefined,
      modelConfig: undefined,
      noDeploy: false,
      crashDump: 'on-failure',
      crashDumpDir: '/work',
    });
    const set = readSettings({ KEEP_MODEL: '1', JUJU_TEST_NO_EGRESS: 'true', JUJU_TEST_POLL_MS: '50', JUJU_TEST_HTTP_PROXY: 'http://127.0.0.1:3128', CHARM_PATH: 'x.charm' });
    expect(set).toMatchObject({ charmPath: 'x.charm', keepModel: true, noEgress: true, pollMs: 50 });
    expect(set.httpProxy?.href).toBe('http://127.0.0.1:3128/');
    expect(readSettings({ KEEP_MODEL: '0', JUJU_TEST_NO_EGRESS: '' })).toMatchObject({ keepModel: false, noEgress: false });
    expect(readSettings({ JUJU_TEST_TIMEOUT_SCALE: '2.5' }).timeoutScale).toBe(2.5);
    expect(() => readSettings({ JUJU_TEST_POLL_MS: 'soon' })).toThrow(/JUJU_TEST_POLL_MS=soon/);
    expect(() => readSettings({ JUJU_TEST_TIMEOUT_SCALE: '0' })).toThrow(/JUJU_TEST_TIMEOUT_SCALE=0/);
    expect(() => readSettings({ JUJU_TEST_HTTP_PROXY: 'socks5://x:1' })).toThrow(/expected http/);
  });

  it("reads pytest-operator's choices: controller, cloud, model, model config file, no deploy, crash dumps", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'model.yaml'), 'logging-config: "<root>=DEBUG"\n');
    const env = {
      JUJU_TEST_CONTROLLER: 'lxd',
      JUJU_TEST_CLOUD: 'localhost/localhost',
      JUJU_TEST_MODEL: 'mine',
      JUJU_TEST_MODEL_CONFIG: 'model.yaml',
      JUJU_TEST_NO_DEPLOY: '1',
      JUJU_TEST_CRASH_DUMP: 'always',
      JUJU_TEST_CRASH_DUMP_DIR: 'dumps',
    };
    expect(readSettings(env, dir)).toMatchObject({
      controller: 'lxd',
      cloud: 'localhost/localhost',
      model: 'mine',
      modelConfig: path.join(dir, 'model.yaml'),
      noDeploy: true,
      crashDump: 'always',
      crashDumpDir: path.join(dir, 'dumps'),
    });
    expect(() => readSettings({ ...env, JUJU_TEST_MODEL_CONFIG: 'missing.yaml' }, dir)).toThrow(/JUJU_TEST_MODEL_CONFIG=missing.yaml: no such file/);
    expect(() => readSettings({ JUJU_TEST_NO_DEPLOY: '1' }, dir)).toThrow(/JUJU_TEST_NO_DEPLOY=1 needs JUJU_TEST_MODEL/);
    expect(() => readSettings({ JUJU_TEST_MODEL: 'Mine' }, dir)).toThrow(/JUJU_TEST_MODEL=Mine/);
    expect(() => readSettings({ JUJU_TEST_CONTROLLER: 'a:b' }, dir)).toThrow(/JUJU_TEST_CONTROLLER=a:b/);
    expect(() => readSettings({ JUJU_TEST_CLOUD: 'aws/us-east-1/x' }, dir)).toThrow(/JUJU_TEST_CLOUD=aws\/us-east-1\/x/);
    expect(() => readSettings({ JUJU_TEST_CRASH_DUMP: 'legacy' }, dir)).toThrow(/JUJU_TEST_CRASH_DUMP=legacy: expected on-failure, always, never/);
  });
});

describe('findCharm', () => {
  it("takes CHARM_PATH, else the single *.charm in the root, else the one for the host's architecture, and says what to do otherwise", () => {
    const root = tempDir();
    const file = (name: string): string => path.join(root, name);
    expect(() => findCharm(root, undefined)).toThrow(/no \*\.charm in .*npm run pack/);
    writeFileSync(file('tinyproxy_amd64.charm'), 'zip');
    expect(findCharm(root, undefined)).toBe(file('tinyproxy_amd64.charm'));
    expect(findCharm(root, '')).toBe(file('tinyproxy_amd64.charm'));
    // A single charm is taken whatever its architecture: it is the one the user built.
    expect(findCharm(root, undefined, 'arm64')).toBe(file('tinyproxy_amd64.charm'));
    // npm run pack writes both: the host's architecture decides.
    writeFileSync(file('tinyproxy_arm64.charm'), 'zip');
    expect(findCharm(root, undefined, 'amd64')).toBe(file('tinyproxy_amd64.charm'));
    expect(findCharm(root, undefined, 'arm64')).toBe(file('tinyproxy_arm64.charm'));
    expect(() => findCharm(root, undefined, 'riscv64')).toThrow(/several \*\.charm .*\(tinyproxy_amd64\.charm, tinyproxy_arm64\.charm\), none for this host's architecture \(riscv64\).*CHARM_PATH/);
    if (['amd64', 'arm64'].includes(debianArch())) expect(findCharm(root, undefined)).toBe(file(`tinyproxy_${debianArch()}.charm`));
    expect(findCharm(root, 'tinyproxy_arm64.charm', 'amd64')).toBe(file('tinyproxy_arm64.charm'));
    expect(findCharm(root, file('tinyproxy_amd64.charm'), 'arm64')).toBe(file('tinyproxy_amd64.charm'));
    expect(() => findCharm(root, 'missing.charm')).toThrow('CHARM_PATH=missing.charm: no such file');
    // Only a name ending in _<arch>.charm counts: an archive merely mentioning the architecture does not.
    writeFileSync(file('tinyproxy_arm64.charm.charm'), 'zip');
    writeFileSync(file('amd64-notes_x.charm'), 'zip');
    expect(findCharm(root, undefined, 'amd64')).toBe(file('tinyproxy_amd64.charm'));
    writeFileSync(file('old_amd64.charm'), 'zip');
    expect(() => findCharm(root, undefined, 'amd64')).toThrow(/more than one for this host's architecture \(amd64\)/);
  });

  it("names the host's architecture the way Debian and charm file names do", () => {
    expect(debianArch('x64')).toBe('amd64');
    expect(debianArch('arm64')).toBe('arm64');
    expect(debianArch('ppc64')).toBe('ppc64el');
    expect(debianArch('s390x')).toBe('s390x');
    expect(debianArch('riscv64')).toBe('riscv64');
    expect(debianArch()).toBe(debianArch(process.arch));
  });

  it('copies the charm under ~/snap/juju/common for a snap juju, and leaves it alone otherwise', () => {
    const home = tempDir();
    const charm = path.join(home, 'x.charm');
    writeFileSync(charm, 'zip');
    expect(readableByJuju(charm, '/usr/local/bin/juju', home)).toBe(charm);
    const copy = readableByJuju(charm, '/snap/bin/juju', home);
    expect(copy.startsWith(path.join(home, 'snap', 'juju', 'common', 'tinyproxy-test-'))).toBe(true);
    expect(path.basename(copy)).toBe('x.charm');
  });

  it('finds an executable on a PATH value', () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'bin'));
    writeFileSync(path.join(dir, 'bin', 'juju'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(path.join(dir, 'bin', 'notexec'), '', { mode: 0o644 });
    expect(whichCommand('juju', `/nonexistent:${path.join(dir, 'bin')}`)).toBe(path.join(dir, 'bin', 'juju'));
    expect(whichCommand('notexec', path.join(dir, 'bin'))).toBeUndefined();
    expect(whichCommand('juju', undefined)).toBeUndefined();
  });
});

describe('HTTP verdicts', () => {
  const page = { kind: 'response', status: 200, body: '<title>Example Domain</title>' } as const;
  const bad = { kind: 'response', status: 400, body: 'No mapping found' } as const;
  const refused = { kind: 'error', code: 'ECONNREFUSED' } as const;
  const timeout = { kind: 'error', code: 'TIMEOUT' } as const;
  const upstreamDown = { kind: 'response', status: 500, body: 'Unable to connect' } as const;

  it('tells example.com from errors, 400 from everything else, and silence from answers', () => {
    expect(notExamplePage(page)).toBeUndefined();
    expect(notExamplePage(bad)).toBe('expected HTTP 200 with example.com\'s page ("Example Domain"), got HTTP 400 "No mapping found"');
    expect(notBadRequest(bad)).toBeUndefined();
    expect(notBadRequest(refused)).toMatch(/got ECONNREFUSED/);
    expect(notSilent(refused)).toBeUndefined();
    expect(notSilent(page)).toMatch(/expected nothing to answer/);
  });

  it('counts a forwarded request as mapped without internet: any answer but 400, or no answer in time', () => {
    expect(notMapped(upstreamDown, false)).toBeUndefined();
    expect(notMapped(timeout, false)).toBeUndefined();
    expect(notMapped(bad, false)).toMatch(/not tinyproxy's 400/);
    expect(notMapped(refused, false)).toMatch(/got ECONNREFUSED/);
    expect(notMapped(upstreamDown, true)).toMatch(/example\.com's page/);
  });

  it('brackets IPv6 hosts in URLs', () => {
    expect(targetUrl({ host: '10.0.0.1', port: 8000, path: '/example/' })).toBe('http://10.0.0.1:8000/example/');
    expect(targetUrl({ host: 'fd42::1', port: 8000, path: '/' })).toBe('http://[fd42::1]:8000/');
  });
});
