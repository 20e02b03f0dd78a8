// Tests of the juju-sim hook tools (run directly) and of the SimUnit harness (runHook
// against a throwaway sh charm).
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  commitPendingPorts,
  createSimUnit,
  discardPendingPorts,
  initSimState,
  readCalls,
  readLogs,
  readOpenedPorts,
  readPendingPorts,
  readStatus,
  readWorkloadVersion,
  runSimTool,
  SIM_BIN_DIR,
  type SimUnit,
  writeConfigState,
} from '../../testkit/juju-sim.ts';

let state: string;
beforeEach(() => {
  state = mkdtempSync(join(tmpdir(), 'juju-sim-test-'));
  initSimState(state);
});
afterEach(() => rmSync(state, { recursive: true, force: true }));

const tool = (name: string, ...args: string[]) => runSimTool(state, name, args);

const NASTY = [
  'line one\nline two\n',
  'quotes " and \' and back\\slash \\n literal',
  'tab\tcr\r bell\u0007 esc\u001b nul-free <html> & more',
  'emoji 😀 and U+2028 \u2028 and accents éà',
  '-starts-with-dash',
  '',
  'x'.repeat(10_000),
];

describe('hook tools without a harness', () => {
  it('fail clearly without JUJU_SIM_STATE', async () => {
    const r = await runSimTool(undefined, 'status-get', []);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('JUJU_SIM_STATE is not set');
  });

  it('fail clearly with a directory that is not a state dir', async () => {
    const r = await runSimTool(tmpdir(), 'opened-ports', []);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('not a juju-sim state directory');
  });

  it('are all executable POSIX sh scripts', () => {
    for (const name of ['config-get', 'status-set', 'status-get', 'application-version-set', 'open-port', 'close-port', 'opened-ports', 'juju-log']) {
      expect(readFileSync(join(SIM_BIN_DIR, name), 'utf8').startsWith('#!/bin/sh\n')).toBe(true);
    }
  });
});

describe('config-get', () => {
  beforeEach(() => writeConfigState(state, { slug: 'example', n: 3, b: true }));

  it('prints the whole config as JSON with a newline', async () => {
    const r = await tool('config-get', '--format=json');
    expect(r).toMatchObject({ exitCode: 0, stdout: '{"b":true,"n":3,"slug":"example"}\n', stderr: '' });
  });

  it('accepts --format json as two arguments', async () => {
    expect((await tool('config-get', '--format', 'json')).stdout).toBe('{"b":true,"n":3,"slug":"example"}\n');
  });

  it('refuses what it does not simulate: a key, --all, non-JSON formats; and unknown flags', async () => {
    expect(await tool('config-get', '--format=json', 'slug')).toMatchObject({ exitCode: 2, stderr: 'ERROR juju-sim: config-get of one key is not simulated\n' });
    expect(await tool('config-get', '--format=json', '--all')).toMatchObject({ exitCode: 2, stderr: 'ERROR flag provided but not defined: --all\n' });
    expect(await tool('config-get', '--format=json', '--bogus')).toMatchObject({
      exitCode: 2,
      stderr: 'ERROR flag provided but not defined: --bogus\n',
    });
    const smart = await tool('config-get');
    expect(smart.exitCode).toBe(2);
    expect(smart.stderr).toContain('supports only --format=json');
    expect(await tool('config-get', '--format=xml')).toMatchObject({
      exitCode: 2,
      stderr: 'ERROR invalid value "xml" for flag --format: unknown format "xml"\n',
    });
    expect(await tool('config-get', '--format')).toMatchObject({ exitCode: 2, stderr: 'ERROR flag needs an argument: --format\n' });
  });

  it('escapes values the way Go does', async () => {
    writeConfigState(state, { s: '<a & "b">\n' });
    expect((await tool('config-get', '--format=json')).stdout).toBe('{"s":"\\u003ca \\u0026 \\"b\\"\\u003e\\n"}\n');
  });
});

describe('status-set and status-get', () => {
  it('stores status and message as ops passes them', async () => {
    const r = await tool('status-set', '--application=False', 'blocked', '--', 'Invalid slug');
    expect(r).toMatchObject({ exitCode: 0, stdout: '', stderr: '' });
    expect(readStatus(state)).toEqual({ status: 'blocked', message: 'Invalid slug' });
    expect((await tool('status-get', '--include-data', '--format=json')).stdout).toBe('{"message":"Invalid slug","status":"blocked","status-data":{}}\n');
  });

  it.each(NASTY.map((m) => [m.slice(0, 30), m]))('round-trips message %j', async (_label, message) => {
    expect((await tool('status-set', 'maintenance', '--', message)).exitCode).toBe(0);
    expect(readStatus(state)).toEqual({ status: 'maintenance', message });
    const out = (await tool('status-get', '--format=json', '--include-data')).stdout;
    expect(out.endsWith('}\n')).toBe(true);
    expect(JSON.parse(out)).toEqual({ message, status: 'maintenance', 'status-data': {} });
  });

  it('accepts the status without a message and without --', async () => {
    expect((await tool('status-set', 'active')).exitCode).toBe(0);
    expect(readStatus(state)).toEqual({ status: 'active', message: '' });
    expect((await tool('status-set', 'waiting', 'msg', '--application=false')).exitCode).toBe(0);
    expect(readStatus(state)).toEqual({ status: 'waiting', message: 'msg' });
  });

  it('rejects invalid statuses, missing and extra arguments (usage errors exit 2 as in juju/cmd)', async () => {
    expect(await tool('status-set', 'bogus', 'x')).toMatchObject({
      exitCode: 2,
      stderr: 'ERROR invalid status "bogus", expected one of [maintenance blocked waiting active]\n',
    });
    expect(await tool('status-set', 'error')).toMatchObject({ exitCode: 2 });
    expect(await tool('status-set')).toMatchObject({ exitCode: 2, stderr: 'ERROR invalid args, require <status> [message]\n' });
    expect(await tool('status-set', 'active', '--', 'a', 'b')).toMatchObject({ exitCode: 2, stderr: 'ERROR unrecognized args: ["b"]\n' });
    expect(await tool('status-set', '--application=maybe', 'active')).toMatchObject({ exitCode: 2 });
    expect(await tool('status-set', 'active', '--', '-x')).toMatchObject({ exitCode: 0 });
    expect(await tool('status-set', 'active', '-x')).toMatchObject({ exitCode: 2, stderr: 'ERROR flag provided but not defined: -x\n' });
    expect(readStatus(state)).toEqual({ status: 'active', message: '-x' });
  });

  it('refuses the application status, which it does not simulate', async () => {
    expect(await tool('status-set', '--application=True', 'active', '--', 'app')).toMatchObject({ exitCode: 1, stderr: 'ERROR juju-sim: the application status is not simulated\n' });
    expect(await tool('status-get', '--application', '--format=json')).toMatchObject({ exitCode: 2, stderr: 'ERROR flag provided but not defined: --application\n' });
  });

  it('prints the data-less form, and only JSON', async () => {
    await tool('status-set', 'active', '--', 'hi');
    expect((await tool('status-get', '--format=json')).stdout).toBe('{"status":"active"}\n');
    expect(await tool('status-get')).toMatchObject({ exitCode: 2, stderr: expect.stringContaining('supports only --format=json') });
    expect((await tool('status-get', '--format=json', 'extra')).exitCode).toBe(2);
  });
});

describe('application-version-set', () => {
  it('takes exactly one positional', async () => {
    expect((await tool('application-version-set', '--', '1.11.1')).exitCode).toBe(0);
    expect(readWorkloadVersion(state)).toBe('1.11.1');
    expect((await tool('application-version-set', '--', '-v 2\n')).exitCode).toBe(0);
    expect(readWorkloadVersion(state)).toBe('-v 2\n');
    expect(await tool('application-version-set')).toMatchObject({ exitCode: 2, stderr: 'ERROR no version specified\n' });
    expect(await tool('application-version-set', 'a', 'b')).toMatchObject({ exitCode: 2, stderr: 'ERROR unrecognized args: ["b"]\n' });
  });
});

describe('open-port, close-port and opened-ports', () => {
  it.each([
    ['8000', '8000/tcp'],
    ['8000/tcp', '8000/tcp'],
    ['53/udp', '53/udp'],
    ['65535', '65535/tcp'],
  ])('takes %s as %s (pending)', async (arg, norm) => {
    expect(await tool('open-port', arg)).toMatchObject({ exitCode: 0, stderr: '' });
    expect(readPendingPorts(state)).toEqual([{ op: 'open', range: norm }]);
  });

  it.each([
    ['70000', 'port range bounds must be between 0 and 65535, got 70000-70000'],
    ['abc', 'juju-sim: close-port abc is not simulated (only <port>[/tcp|udp])'],
    ['80/sctp', 'juju-sim: close-port 80/sctp is not simulated (only <port>[/tcp|udp])'],
    ['8000-8100/udp', 'juju-sim: close-port 8000-8100/udp is not simulated (only <port>[/tcp|udp])'],
    ['icmp', 'juju-sim: close-port icmp is not simulated (only <port>[/tcp|udp])'],
    ['/tcp', 'juju-sim: close-port /tcp is not simulated (only <port>[/tcp|udp])'],
    ['08080', 'juju-sim: close-port 08080 is not simulated (ports 1-65535, no leading zeros)'],
  ])('refuses %s', async (arg, message) => {
    expect(await tool('close-port', arg)).toMatchObject({ exitCode: 2, stderr: `ERROR ${message}\n` });
    expect(readPendingPorts(state)).toEqual([]);
  });

  it('rejects a missing or extra argument, and flags', async () => {
    expect(await tool('open-port')).toMatchObject({ exitCode: 2, stderr: 'ERROR no port or range specified\n' });
    expect(await tool('open-port', '80', '81')).toMatchObject({ exitCode: 2, stderr: 'ERROR unrecognized args: ["81"]\n' });
    expect(await tool('open-port', '80', '--endpoints', 'a')).toMatchObject({ exitCode: 2, stderr: 'ERROR flag provided but not defined: --endpoints\n' });
  });

  it('lists only committed ports, sorted like Juju', async () => {
    await tool('open-port', '8000/tcp');
    await tool('open-port', '53/udp');
    await tool('open-port', '80');
    expect((await tool('opened-ports', '--format=json')).stdout).toBe('[]\n');
    commitPendingPorts(state);
    expect(readOpenedPorts(state)).toEqual(['80/tcp', '8000/tcp', '53/udp']);
    expect((await tool('opened-ports', '--format=json')).stdout).toBe('["80/tcp","8000/tcp","53/udp"]\n');
    await tool('close-port', '80');
    await tool('close-port', '9999/tcp');
    discardPendingPorts(state);
    expect(readOpenedPorts(state)).toHaveLength(3);
    await tool('close-port', '80');
    commitPendingPorts(state);
    expect(readOpenedPorts(state)).toEqual(['8000/tcp', '53/udp']);
    expect((await tool('opened-ports', '--format=json', 'x')).exitCode).toBe(2);
    expect((await tool('opened-ports')).exitCode).toBe(2);
  });
});

describe('juju-log', () => {
  it('records levels and messages', async () => {
    await tool('juju-log', '--log-level', 'WARNING', '--', 'careful\nnow');
    await tool('juju-log', '--log-level', 'DEBUG', 'a', 'b');
    await tool('juju-log', '--log-level=ERROR', '--', '-dash');
    await tool('juju-log', 'plain', '', 'x');
    expect(readLogs(state)).toEqual([
      { level: 'WARNING', message: 'careful\nnow' },
      { level: 'DEBUG', message: 'a b' },
      { level: 'ERROR', message: '-dash' },
      { level: 'INFO', message: 'plain  x' },
    ]);
  });

  it('refuses a level it does not simulate', async () => {
    const r = await tool('juju-log', '--log-level', 'warn', '--', 'm');
    expect(r).toMatchObject({ exitCode: 2, stderr: expect.stringContaining('log level "warn" is not simulated') });
    expect(readLogs(state)).toEqual([]);
  });

  it('requires a message and known flags', async () => {
    expect(await tool('juju-log')).toMatchObject({ exitCode: 2, stderr: 'ERROR no message specified\n' });
    expect(await tool('juju-log', '--', '')).toMatchObject({ exitCode: 0 });
    expect(await tool('juju-log', '--level=INFO', 'x')).toMatchObject({ exitCode: 2 });
    expect(await tool('juju-log', '-l', 'INFO', 'x')).toMatchObject({ exitCode: 2 });
  });
});

describe('call recording', () => {
  it('records every call with its exact argv, failed ones included', async () => {
    const weird = ['', ' spaced ', 'new\nline', 'émoji 😀', '--', '*', '$HOME', '\\'];
    await tool('juju-log', '--', ...weird);
    await tool('status-set', 'bogus');
    await tool('opened-ports', '--format=json');
    expect(readCalls(state)).toEqual([
      { tool: 'juju-log', args: ['--', ...weird] },
      { tool: 'status-set', args: ['bogus'] },
      { tool: 'opened-ports', args: ['--format=json'] },
    ]);
    expect(readCalls(state, 2)).toEqual([{ tool: 'opened-ports', args: ['--format=json'] }]);
  });

  it('keeps every call when tools run concurrently', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => tool('juju-log', `m${i}`)));
    const calls = readCalls(state);
    expect(calls).toHaveLength(20);
    expect(new Set(calls.map((c) => c.args[0])).size).toBe(20);
  });
});

const DISPATCH = `#!/bin/sh
env > "$JUJU_CHARM_DIR/env.out"
pwd > "$JUJU_CHARM_DIR/pwd.out"
echo "to stdout $JUJU_DISPATCH_PATH"
echo "to stderr" >&2
case $JUJU_DISPATCH_PATH in
hooks/install)
  juju-log --log-level INFO -- "installing"
  application-version-set -- 9.9.9
  status-set --application=False maintenance -- "installed"
  ;;
hooks/start)
  open-port 8000/tcp
  opened-ports --format=json > "$JUJU_CHARM_DIR/during.out"
  status-set --application=False active -- ""
  ;;
hooks/config-changed)
  config-get --format=json > "$JUJU_CHARM_DIR/config.out"
  ;;
hooks/stop)
  status-get --include-data --format=json > "$JUJU_CHARM_DIR/stop-status.out"
  status-set maintenance -- "Waiting for tinyproxy to start"
  ;;
hooks/remove)
  status-set maintenance -- "Waiting for tinyproxy to be installed"
  ;;
hooks/failing)
  close-port 8000/tcp
  open-port 9000/tcp
  status-set blocked -- "about to fail"
  exit 3
  ;;
hooks/status-fails)
  close-port 8000/tcp
  open-port 9000/tcp
  status-set bogus -- "the final status-set fails" || exit $?
  ;;
hooks/killed)
  close-port 8000/tcp
  open-port 9000/tcp
  kill -s KILL 0
  ;;
hooks/hangs)
  close-port 8000/tcp
  open-port 9000/tcp
  sleep 30
  ;;
hooks/daemon)
  sleep 5 &
  echo $! > "$JUJU_CHARM_DIR/daemon.pid"
  ;;
esac
exit 0
`;

describe('SimUnit.runHook', () => {
  let charmDir: string;
  let unit: SimUnit;
  beforeEach(async () => {
    charmDir = mkdtempSync(join(tmpdir(), 'juju-sim-charm-'));
    writeFileSync(join(charmDir, 'dispatch'), DISPATCH);
    chmodSync(join(charmDir, 'dispatch'), 0o755);
    writeFileSync(join(charmDir, 'config.yaml'), 'options:\n  slug:\n    type: string\n    default: example\n    description: d\n  port:\n    type: int\n');
    unit = await createSimUnit({ charmDir });
  });
  afterEach(() => {
    unit.cleanup();
    rmSync(charmDir, { recursive: true, force: true });
  });

  const readEnv = (): Record<string, string> => {
    const env: Record<string, string> = {};
    for (const line of readFileSync(join(charmDir, 'env.out'), 'utf8').split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
    }
    return env;
  };

  it('runs dispatch in the charm dir with only the Juju-like environment', async () => {
    const r = await unit.runHook('install');
    expect(r).toMatchObject({ exitCode: 0, stdout: 'to stdout hooks/install\n', stderr: 'to stderr\n', stdioHeldOpen: false });
    expect(readFileSync(join(charmDir, 'pwd.out'), 'utf8')).toBe(`${charmDir}\n`);
    const env = readEnv();
    delete env.PWD; // set by sh itself
    delete env.OLDPWD;
    expect(Object.keys(env).sort()).toEqual([
      'APT_LISTCHANGES_FRONTEND',
      'CHARM_DIR',
      'DEBIAN_FRONTEND',
      'JUJU_AVAILABILITY_ZONE',
      'JUJU_CHARM_DIR',
      'JUJU_CONTEXT_ID',
      'JUJU_DISPATCH_PATH',
      'JUJU_HOOK_NAME',
      'JUJU_MACHINE_ID',
      'JUJU_MODEL_NAME',
      'JUJU_MODEL_UUID',
      'JUJU_PRINCIPAL_UNIT',
      'JUJU_SIM_STATE',
      'JUJU_UNIT_NAME',
      'JUJU_VERSION',
      'LANG',
      'PATH',
    ]);
    expect(env).toMatchObject({
      JUJU_DISPATCH_PATH: 'hooks/install',
      JUJU_HOOK_NAME: 'install',
      JUJU_UNIT_NAME: 'tinyproxy/0',
      JUJU_VERSION: '3.6.11',
      JUJU_CHARM_DIR: charmDir,
      CHARM_DIR: charmDir,
      LANG: 'C.UTF-8',
      DEBIAN_FRONTEND: 'noninteractive',
      APT_LISTCHANGES_FRONTEND: 'none',
      JUJU_SIM_STATE: unit.stateDir,
      PATH: `${SIM_BIN_DIR}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    });
    expect(r.calls).toEqual([
      { tool: 'juju-log', args: ['--log-level', 'INFO', '--', 'installing'] },
      { tool: 'application-version-set', args: ['--', '9.9.9'] },
      { tool: 'status-set', args: ['--application=False', 'maintenance', '--', 'installed'] },
    ]);
    expect(unit.workloadVersion()).toBe('9.9.9');
    expect(unit.status()).toEqual({ status: 'maintenance', message: 'installed' });
    expect(unit.logs()).toEqual([{ level: 'INFO', message: 'installing' }]);
  });

  it('reports only the calls of each hook', async () => {
    await unit.runHook('install');
    const r = await unit.runHook('config-changed');
    expect(r.calls).toEqual([{ tool: 'config-get', args: ['--format=json'] }]);
    expect(unit.calls()).toHaveLength(4);
  });

  it('commits ports after exit 0 and discards them after a failure', async () => {
    const start = await unit.runHook('start');
    expect(start).toMatchObject({ exitCode: 0, failed: false });
    expect(readFileSync(join(charmDir, 'during.out'), 'utf8')).toBe('[]\n');
    expect(unit.openedPorts()).toEqual(['8000/tcp']);
    const failing = await unit.runHook('failing');
    expect(failing).toMatchObject({ exitCode: 3, failed: true });
    expect(unit.openedPorts()).toEqual(['8000/tcp']);
    expect(unit.pendingPorts()).toEqual([]);
    expect(unit.status()).toEqual({ status: 'blocked', message: 'about to fail' });
  });

  it.each([
    ['whose final status-set fails', 'status-fails', {}, { exitCode: 2, signal: null, timedOut: false }],
    ['killed by SIGKILL (its whole process group)', 'killed', {}, { exitCode: 128 + constants.signals.SIGKILL, signal: 'SIGKILL', timedOut: false }],
    ['killed at its timeout', 'hangs', { timeoutMs: 300 }, { exitCode: 128 + constants.signals.SIGKILL, signal: 'SIGKILL', timedOut: true }],
  ])('drops the port changes of a hook %s', async (_label, event, options, outcome) => {
    await unit.runHook('start');
    const r = await unit.runHook(event, options);
    expect(r).toMatchObject({ ...outcome, failed: true });
    expect(r.calls.map((c) => c.tool)).toEqual(expect.arrayContaining(['close-port', 'open-port']));
    expect(unit.openedPorts()).toEqual(['8000/tcp']);
    expect(unit.pendingPorts()).toEqual([]);
    expect((await unit.runHook('config-changed')).failed).toBe(false);
    expect(unit.openedPorts()).toEqual(['8000/tcp']);
  });

  it('drops the port changes of a hook that exits 0 when dropCommit is set, and reports it failed', async () => {
    const dropped = await unit.runHook('start', { dropCommit: true });
    expect(dropped).toMatchObject({ exitCode: 0, signal: null, failed: true });
    expect(dropped.calls.map((c) => c.tool)).toEqual(['open-port', 'opened-ports', 'status-set']);
    expect(unit.openedPorts()).toEqual([]);
    expect(unit.pendingPorts()).toEqual([]);
    // status-set takes effect at once, not at commit.
    expect(unit.status()).toEqual({ status: 'active', message: '' });
    const retried = await unit.runHook('start');
    expect(retried).toMatchObject({ exitCode: 0, failed: false });
    expect(unit.openedPorts()).toEqual(['8000/tcp']);
    const failing = await unit.runHook('failing', { dropCommit: true });
    expect(failing).toMatchObject({ exitCode: 3, failed: true });
    expect(unit.openedPorts()).toEqual(['8000/tcp']);
    expect(await unit.runHook('config-changed', { dropCommit: false })).toMatchObject({ exitCode: 0, failed: false });
  });

  it('does not commit port requests left over from before the hook', async () => {
    expect((await runSimTool(unit.stateDir, 'open-port', ['7000/tcp'])).exitCode).toBe(0);
    expect(unit.pendingPorts()).toEqual([{ op: 'open', range: '7000/tcp' }]);
    expect((await unit.runHook('config-changed')).failed).toBe(false);
    expect(unit.openedPorts()).toEqual([]);
    expect(unit.pendingPorts()).toEqual([]);
  });

  it('serves config defaults from config.yaml plus set values, and resets', async () => {
    const configOut = async (): Promise<unknown> => {
      await unit.runHook('config-changed');
      return JSON.parse(readFileSync(join(charmDir, 'config.out'), 'utf8'));
    };
    expect(await configOut()).toEqual({ slug: 'example' });
    unit.setConfig({ slug: 'foo/bar', port: 8080 });
    expect(await configOut()).toEqual({ slug: 'foo/bar', port: 8080 });
    unit.resetConfig('slug');
    expect(await configOut()).toEqual({ slug: 'example', port: 8080 });
    expect(() => unit.setConfig({ port: 'x' })).toThrow(/expects type int/);
    expect(() => unit.setConfig({ nope: 'x' })).toThrow(/unknown option/);
  });

  it('prefixes the command with wrap', async () => {
    const r = await unit.runHook('install', { wrap: ['/usr/bin/env', 'WRAPPED=yes'] });
    expect(r.exitCode).toBe(0);
    expect(readEnv().WRAPPED).toBe('yes');
  });

  it('returns when dispatch exits even if a child keeps stdout open', async () => {
    const r = await unit.runHook('daemon');
    try {
      expect(r.exitCode).toBe(0);
      expect(r.stdioHeldOpen).toBe(true);
      expect(r.durationMs).toBeLessThan(3000);
    } finally {
      process.kill(Number(readFileSync(join(charmDir, 'daemon.pid'), 'utf8')), 'SIGKILL');
    }
  });

  it("shows Juju's own statuses around stop and remove in place of the charm's (runhook.go beforeHook/afterHook)", async () => {
    await unit.runHook('install');
    await unit.runHook('start');
    expect(unit.jujuStatus()).toEqual({ status: 'active', message: '' });
    expect((await unit.runHook('stop')).failed).toBe(false);
    // During stop the stored status is Juju's; the charm's status-set replaces it, then Juju replaces that.
    expect(JSON.parse(readFileSync(join(charmDir, 'stop-status.out'), 'utf8'))).toEqual({ message: 'stopping charm software', status: 'maintenance', 'status-data': {} });
    expect(unit.status()).toEqual({ status: 'maintenance', message: 'Waiting for tinyproxy to start' });
    expect(unit.jujuStatus()).toEqual({ status: 'maintenance', message: '' });
    expect((await unit.runHook('remove')).failed).toBe(false);
    expect(unit.status()).toEqual({ status: 'maintenance', message: 'Waiting for tinyproxy to be installed' });
    expect(unit.jujuStatus()).toEqual({ status: 'terminated', message: '' });
  });

  it('shows a failed hook as error until the next hook runs, whatever the charm set', async () => {
    await unit.runHook('start');
    await unit.runHook('failing');
    expect(unit.status()).toEqual({ status: 'blocked', message: 'about to fail' });
    expect(unit.jujuStatus()).toEqual({ status: 'error', message: 'hook failed: "failing"' });
    await unit.runHook('config-changed');
    expect(unit.jujuStatus()).toEqual({ status: 'blocked', message: 'about to fail' });
    await unit.runHook('stop', { dropCommit: true });
    expect(unit.jujuStatus()).toEqual({ status: 'error', message: 'hook failed: "stop"' });
  });

  it('shows installing charm software before the first status-set, and unknown after a start that set none', async () => {
    const silentDir = mkdtempSync(join(tmpdir(), 'juju-sim-charm-'));
    writeFileSync(join(silentDir, 'dispatch'), '#!/bin/sh\nstatus-get --format=json > "$JUJU_CHARM_DIR/status.out"\n');
    chmodSync(join(silentDir, 'dispatch'), 0o755);
    const silent = await createSimUnit({ charmDir: silentDir });
    try {
      await silent.runHook('install');
      expect(readFileSync(join(silentDir, 'status.out'), 'utf8')).toBe('{"status":"maintenance"}\n');
      expect(silent.jujuStatus()).toEqual({ status: 'maintenance', message: 'installing charm software' });
      await silent.runHook('start');
      expect(silent.jujuStatus()).toEqual({ status: 'unknown', message: '' });
    } finally {
      silent.cleanup();
      rmSync(silentDir, { recursive: true, force: true });
    }
  });

  it('serves only the set values when the charm has no config.yaml', async () => {
    rmSync(join(charmDir, 'config.yaml'));
    const other = await createSimUnit({ charmDir, config: { extra: 1 } });
    try {
      await other.runHook('config-changed');
      expect(JSON.parse(readFileSync(join(charmDir, 'config.out'), 'utf8'))).toEqual({ extra: 1 });
    } finally {
      other.cleanup();
    }
  });
});
