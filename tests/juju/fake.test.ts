// The fake juju itself: it must answer like Juju (status transitions, the charm's messages,
// ports, units coming and going) and refuse what it does not know, so the suite's run against
// it means something. Time is pinned with FAKE_JUJU_NOW; steps are 1 s apart.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goZipMode } from './fake/charm-archive.ts';
import { type FakeJuju, prepareFakeJuju, rewriteZipEntry, runFake } from './fake/harness.ts';
import { startWorkloadProxy } from './fake/workload-proxy.ts';
import { unitAndMachineGone, unitsSettled } from './lib/conditions.ts';
import { notBadRequest, notExamplePage, notSilent, proxiedHttpGet } from './lib/http.ts';
import { parseConfigOutput, parseExecOutput } from './lib/outputs.ts';
import { type JujuStatus, parseStatus, unitsOf } from './lib/status.ts';
import { type Clock, hookErrorAlarm, waitForStatus } from './lib/wait.ts';

const T0 = Date.UTC(2025, 10, 21, 10, 0, 0);
const STEP = 1000;
let fake: FakeJuju;

beforeAll(async () => {
  fake = await prepareFakeJuju(STEP);
});
afterAll(() => fake?.cleanup());

/** Runs the fake at T0 + `step` steps and expects exit 0. */
async function juju(step: number, ...args: string[]): Promise<string> {
  const run = await runFake(fake, args, T0 + step * STEP);
  expect(run.exitCode, `juju ${args.join(' ')}: ${run.stderr}`).toBe(0);
  return run.stdout;
}

const status = async (model: string, step: number): Promise<JujuStatus> => parseStatus(await juju(step, 'status', '--model', model, '--format=json'));

/** The address of unit 0's machine, once it is up. */
const addressOf = async (model: string): Promise<string> => (await status(model, 1)).machines['0']?.dnsName ?? '';

describe('the fake juju', () => {
  it('refuses unknown commands, unknown flags, a missing --model, and output formats it does not simulate', async () => {
    await juju(0, 'add-model', '--no-switch', 'refusals');
    const cases: [string[], number, RegExp][] = [
      [['statuss'], 1, /"statuss" is not a juju command/],
      [['status', '--model', 'refusals', '--format=json', '--frmat=json'], 2, /option provided but not defined: --frmat/],
      [['status', '--format=json'], 2, /pass --model/],
      [['status', '--model', 'refusals'], 2, /only --format=json/],
      [['status', '--model', 'nope', '--format=json'], 1, /model fake-lxd:admin\/nope not found/],
      [['add-model', 'switching'], 2, /without --no-switch/],
      [['destroy-model', 'refusals'], 1, /model destruction: aborted/],
      [['deploy', '--model', 'refusals', 'tinyproxy'], 2, /only a local charm/],
      [['deploy', '--model', 'refusals', '/nonexistent/x.charm'], 1, /no charm was found/],
      [['add-model', '--no-switch', '--controller', 'other', 'x'], 1, /controller other not found/],
      [['add-model', '--no-switch', 'x', 'aws/us-east-1'], 1, /cloud "aws\/us-east-1" not found/],
      [['add-model', '--no-switch', '--config', '/nonexistent/model.yaml', 'x'], 1, /open \/nonexistent\/model.yaml: no such file or directory/],
      [['status', '--model', 'other:refusals', '--format=json'], 1, /controller other not found/],
      [['show-model', 'refusals'], 2, /only --format=json/],
      [['show-model', 'fake-lxd:nope', '--format=json'], 1, /model fake-lxd:admin\/nope not found/],
      [['debug-log', '--model', 'refusals', '--tail'], 2, /would follow the log forever/],
      [['debug-log', '--model', 'refusals', '--tail', '--no-tail'], 2, /setting --tail and --no-tail not valid/],
      [['debug-log', '--model', 'refusals', '--no-tail', '--retry'], 2, /setting --no-tail and --retry not valid/],
      [['debug-log', '--model', 'refusals', '--level', 'NOTICE'], 2, /level value "NOTICE" is not one of "TRACE", "DEBUG", "INFO", "WARNING", "ERROR"/],
      [['debug-log', '--model', 'refusals', '--lines', 'all'], 2, /invalid value "all" for flag --lines/],
      [['debug-log', '--model', 'refusals', '--lines', '10001'], 1, /too many lines requested \(10001\) maximum is 10000/],
      [['debug-log', '--model', 'refusals', 'tinyproxy/0'], 2, /usage: juju debug-log/],
    ];
    for (const [args, code, stderr] of cases) {
      const run = await runFake(fake, args, T0);
      expect([run.exitCode, run.stderr], args.join(' ')).toEqual([code, expect.stringMatching(stderr)]);
    }
    expect(JSON.parse(await juju(0, 'show-model', 'fake-lxd:refusals', '--format=json'))).toMatchObject({ refusals: { name: 'admin/refusals', 'short-name': 'refusals', cloud: 'localhost' } });
    await juju(0, 'destroy-model', 'fake-lxd:refusals', '--no-prompt', '--destroy-storage', '--force');
  });

  it("deploys in Juju's order: install, leader-elected, config-changed, start; then active with version, port and address", async () => {
    await juju(0, 'add-model', '--no-switch', 'deploy');
    await juju(0, 'deploy', '--model', 'deploy', fake.charm, 'tinyproxy');
    const active = unitsSettled('tinyproxy', { workload: 'active', units: 1, ports: ['8000/tcp'] });
    const at0 = await status('deploy', 0);
    expect(active(at0)).toBe("tinyproxy/0 is waiting 'waiting for machine', expected active");
    expect(at0.machines['0']?.agent.current).toBe('pending');
    const steps = [];
    for (let step = 1; step <= 5; step++) {
      const unit = unitsOf(await status('deploy', step), 'tinyproxy')[0];
      steps.push(`${unit?.agent.current} '${unit?.agent.message}': ${unit?.workload.current} '${unit?.workload.message}'`);
    }
    expect(steps).toEqual([
      "executing 'running install hook': maintenance 'installing charm software'",
      "executing 'running leader-elected hook': maintenance 'Waiting for tinyproxy to start'",
      "executing 'running config-changed hook': maintenance 'Waiting for tinyproxy to start'",
      "executing 'running start hook': active ''",
      "idle '': active ''",
    ]);
    const done = await status('deploy', 5);
    expect(active(done)).toBeUndefined();
    expect(done.apps.tinyproxy).toMatchObject({ version: '1.11.1', charmName: 'tinyproxy', exposed: false });
    expect(unitsOf(done, 'tinyproxy')[0]).toMatchObject({ publicAddress: expect.stringMatching(/^127\.0\.10\.\d+$/), machine: '0', leader: true });
    const exec = parseExecOutput(await juju(5, 'exec', '--model', 'deploy', '--format=json', '--unit', 'tinyproxy/0', '--', 'tinyproxy', '-v'), 'tinyproxy/0');
    expect(exec).toMatchObject({ returnCode: 0, stdout: 'tinyproxy 1.11.1\n' });
    const other = await runFake(fake, ['exec', '--model', 'deploy', '--format=json', '--unit', 'tinyproxy/0', '--', 'hostname'], T0 + 5 * STEP);
    expect(other.exitCode).toBe(2);
    // A second unit is no leader: leader-settings-changed where the leader had leader-elected.
    await juju(5, 'add-unit', '--model', 'deploy', 'tinyproxy');
    const ran = (await juju(12, 'debug-log', '--model', 'deploy', '--replay', '--no-tail')).match(/ran "[a-z-]+" hook/g);
    expect(ran).toEqual([
      'ran "install" hook',
      'ran "leader-elected" hook',
      'ran "config-changed" hook',
      'ran "start" hook',
      'ran "install" hook',
      'ran "leader-settings-changed" hook',
      'ran "config-changed" hook',
      'ran "start" hook',
    ]);
  });

  it('debug-log with stdout not a terminal: the last 10 lines, --limit only cuts them, --lines widens them, --replay gives all', async () => {
    await juju(0, 'add-model', '--no-switch', 'logs');
    await juju(0, 'deploy', '--model', 'logs', '--num-units', '3', fake.charm, 'tinyproxy');
    const lines = async (...args: string[]): Promise<string[]> => (await juju(5, 'debug-log', '--model', 'logs', ...args)).trim().split('\n');
    const all = await lines('--replay');
    expect(all).toHaveLength(12);
    expect(all[0]).toMatch(/^unit-tinyproxy-0: 10:00:02 INFO juju\.worker\.uniter\.operation ran "install" hook \(via hook dispatching script: dispatch\)$/);
    expect(await lines()).toEqual(all.slice(2));
    expect(await lines('--limit', '200')).toEqual(all.slice(2));
    expect(await lines('--lines', '200', '--no-tail')).toEqual(all);
    expect(await lines('-n', '3', '--limit', '2')).toEqual(all.slice(9, 11));
    expect(await lines('--replay', '--no-tail', '--include', 'tinyproxy/1')).toEqual(all.filter((line) => line.startsWith('unit-tinyproxy-1:')));
    expect(await lines('--replay', '--include', 'tinyproxy', '--exclude', 'unit-tinyproxy-0', '--level', 'warning')).toEqual(['']);
  });

  it('refresh --path: upgrade-charm, always followed by config-changed, and a new charm revision', async () => {
    await juju(0, 'add-model', '--no-switch', 'refresh');
    await juju(0, 'deploy', '--model', 'refresh', fake.charm, 'tinyproxy');
    const refreshed = await runFake(fake, ['refresh', '--model', 'refresh', 'tinyproxy', '--path', fake.charm], T0 + 5 * STEP);
    expect([refreshed.exitCode, refreshed.stderr]).toEqual([0, 'Added local charm "tinyproxy", revision 1, to the model']);
    const agents = [];
    for (let step = 6; step <= 8; step++) agents.push(unitsOf(await status('refresh', step), 'tinyproxy')[0]?.agent.message);
    expect(agents).toEqual(['running upgrade-charm hook', 'running config-changed hook', '']);
    expect(unitsSettled('tinyproxy', { workload: 'active', ports: ['8000/tcp'] })(await status('refresh', 8))).toBeUndefined();
    const doc = JSON.parse(await juju(8, 'status', '--model', 'refresh', '--format=json')) as { applications: Record<string, { charm: string; 'charm-rev': number }> };
    expect(doc.applications.tinyproxy).toMatchObject({ charm: 'local:tinyproxy-1', 'charm-rev': 1 });
    for (const [args, code, stderr] of [
      [['refresh', '--model', 'refresh', 'tinyproxy'], 1, /upgrading a local charm requires either --path or --switch/],
      [['refresh', '--model', 'refresh', 'tinyproxy', '--path', fake.charm, '--revision', '3'], 2, /--path and --revision are mutually exclusive/],
      [['refresh', '--model', 'refresh', 'tinyproxy', '--path', fake.charm, '--switch', 'ch:tinyproxy'], 2, /--switch and --path are mutually exclusive/],
      [['refresh', '--model', 'refresh', 'tinyproxy', '--path', fake.charm, '--force-units'], 2, /refresh --force-units is not simulated/],
    ] as const) {
      const run = await runFake(fake, [...args], T0 + 8 * STEP);
      expect([run.exitCode, run.stderr], args.join(' ')).toEqual([code, expect.stringMatching(stderr)]);
    }
  });

  it("blocks with the tutorial's and README's messages, keeps the old port while blocked, and checks option names and types", async () => {
    await juju(0, 'add-model', '--no-switch', 'config');
    await juju(0, 'deploy', '--model', 'config', fake.charm, 'tinyproxy');
    await juju(6, 'config', '--model', 'config', 'tinyproxy', 'slug=foo/bar');
    const stale = await status('config', 6);
    expect(unitsSettled('tinyproxy', { workload: 'active' })(stale)).toBeUndefined(); // the hook has not run yet
    const blocked = unitsSettled('tinyproxy', { workload: 'blocked', message: "Invalid slug: 'foo/bar'. Slug must match the regex [a-z0-9-]+", ports: ['8000/tcp'] });
    expect(blocked(await status('config', 8))).toBeUndefined();
    await juju(9, 'config', '--model', 'config', 'tinyproxy', '--reset', 'slug', 'server-port=22');
    const port22 = unitsSettled('tinyproxy', { workload: 'blocked', message: 'Invalid server-port: 22. Port 22 is reserved for SSH', ports: ['8000/tcp'] });
    expect(port22(await status('config', 11))).toBeUndefined();
    await juju(12, 'config', '--model', 'config', 'tinyproxy', 'server-port=8080');
    expect(unitsSettled('tinyproxy', { workload: 'active', ports: ['8080/tcp'] })(await status('config', 14))).toBeUndefined();
    const settings = parseConfigOutput(await juju(14, 'config', '--model', 'config', 'tinyproxy', '--format=json'));
    expect(settings['server-port']).toEqual({ type: 'int', value: 8080, default: 8000, source: 'user' });
    expect(settings.slug).toMatchObject({ value: 'example', source: 'default' });
    for (const [pair, message] of [
      ['server-port=eighty', /option "server-port" expected int, got "eighty"/],
      ['colour=blue', /unknown option "colour"/],
    ] as const) {
      const run = await runFake(fake, ['config', '--model', 'config', 'tinyproxy', pair], T0 + 14 * STEP);
      expect([run.exitCode, run.stderr]).toEqual([1, expect.stringMatching(message)]);
    }
    // What the fake does not model it refuses, and keeps the config as it was.
    for (const pairs of [['upstream=http://backend/'], ['server-port=0'], ['slug=a/b', 'server-port=22']]) {
      const run = await runFake(fake, ['config', '--model', 'config', 'tinyproxy', ...pairs], T0 + 14 * STEP);
      expect([run.exitCode, run.stderr], pairs.join(' ')).toEqual([2, expect.stringMatching(/is not modelled|are not modelled/)]);
    }
    expect(parseConfigOutput(await juju(14, 'config', '--model', 'config', 'tinyproxy', '--format=json'))['server-port']).toMatchObject({ value: 8080 });
  });

  it("adds a unit on a new machine with its own address; removes it and its machine only with --no-prompt, showing Juju's own statuses", async () => {
    await juju(0, 'add-model', '--no-switch', 'scale');
    await juju(0, 'deploy', '--model', 'scale', fake.charm, 'tinyproxy');
    await juju(6, 'add-unit', '--model', 'scale', 'tinyproxy');
    const two = await status('scale', 12);
    expect(unitsSettled('tinyproxy', { workload: 'active', units: 2, ports: ['8000/tcp'] })(two)).toBeUndefined();
    const [first, second] = unitsOf(two, 'tinyproxy');
    expect([first?.name, first?.machine, first?.leader, second?.name, second?.machine, second?.leader]).toEqual(['tinyproxy/0', '0', true, 'tinyproxy/1', '1', false]);
    expect(second?.publicAddress).toMatch(/^127\.0\.10\.\d+$/);
    expect(second?.publicAddress).not.toBe(first?.publicAddress);
    const prompt = await runFake(fake, ['remove-unit', '--model', 'scale', 'tinyproxy/1'], T0 + 12 * STEP);
    expect([prompt.exitCode, prompt.stderr]).toEqual([1, expect.stringMatching(/Continue \[y\/N\]\? ERROR unit removal: aborted/)]);
    await juju(12, 'remove-unit', '--model', 'scale', '--no-prompt', 'tinyproxy/1');
    const seen = [];
    for (let step = 13; step <= 16; step++) {
      const unit = (await status('scale', step)).apps.tinyproxy?.units['tinyproxy/1'];
      seen.push(`${unit?.agent.current} '${unit?.agent.message}' ${unit?.agent.life}: ${unit?.workload.current} '${unit?.workload.message}'`);
    }
    expect(seen).toEqual([
      "executing 'running stop hook' dying: maintenance 'stopping charm software'",
      "idle '' dying: maintenance ''",
      "executing 'running remove hook' dying: maintenance 'cleaning up prior to charm deletion'",
      "idle '' dying: terminated ''",
    ]);
    const gone = unitAndMachineGone('tinyproxy', 'tinyproxy/1', '1');
    expect(gone(await status('scale', 17))).toBe('machine 1 is still listed (started)');
    expect(gone(await status('scale', 18))).toBeUndefined();
    expect(await juju(18, 'debug-log', '--model', 'scale', '--replay', '--no-tail')).toMatch(/tinyproxy-1: [^\n]*ran "stop" hook[\s\S]*tinyproxy-1: [^\n]*ran "remove" hook/);
  });

  it("answers HTTP as each unit's tinyproxy through the stand-in, and drops what no fake tinyproxy listens on", async () => {
    await juju(0, 'add-model', '--no-switch', 'http');
    await juju(0, 'deploy', '--model', 'http', fake.charm, 'tinyproxy');
    await juju(0, 'config', '--model', 'http', 'tinyproxy', 'slug=foo');
    const host = await addressOf('http');
    let now = T0;
    const proxy = await startWorkloadProxy(fake.stateDir, () => now);
    try {
      const get = proxiedHttpGet(proxy.url);
      const at = (path: string, port = 8000) => get({ host, port, path }, 5000);
      expect(notSilent(await at('/foo/'))).toBeUndefined(); // not started yet
      now = T0 + 7 * STEP;
      expect(notExamplePage(await at('/foo/'))).toBeUndefined();
      expect(notBadRequest(await at('/example/'))).toBeUndefined();
      expect(notSilent(await at('/foo/', 8080))).toBeUndefined();
      expect(notSilent(await get({ host: '127.0.99.9', port: 8000, path: '/foo/' }, 5000))).toBeUndefined();
    } finally {
      await proxy.close();
    }
  });

  it("reads an entry's Unix mode only when the zip says it was made on Unix (or macOS), as Go's archive/zip does", () => {
    const unix755 = (0o100755 << 16) >>> 0;
    expect(goZipMode(0x0314, unix755, 'dispatch')).toBe(0o755); // Unix
    expect(goZipMode(0x1314, unix755, 'dispatch')).toBe(0o755); // macOS: Go reads the Unix mode too
    expect(goZipMode(0x0014, unix755, 'dispatch')).toBe(0o666); // FAT: the MS-DOS attributes, never executable
    expect(goZipMode(0x0b14, unix755 | 0x01, 'dispatch')).toBe(0o444); // NTFS, read-only
    expect(goZipMode(0x0e14, 0x10, 'lib/')).toBe(0o40777); // VFAT folder
    expect(goZipMode(0x0a14, unix755, 'dispatch')).toBe(0); // a creator Go does not know
    expect(goZipMode(0x0314, (0o40755 << 16) >>> 0, 'lib/')).toBe(0o40755);
  });

  it('runs the hooks of a charm whose dispatch is Unix-made 0755, and fails install (retrying it) when the same entry says FAT', async () => {
    const fat = rewriteZipEntry(fake.charm, path.join(fake.root, 'fat.charm'), 'dispatch', { madeBy: 0x0014 });
    const mac = rewriteZipEntry(fake.charm, path.join(fake.root, 'mac.charm'), 'dispatch', { madeBy: 0x1314 });
    await juju(0, 'add-model', '--no-switch', 'zipmodes');
    await juju(0, 'deploy', '--model', 'zipmodes', fat, 'fat');
    await juju(0, 'deploy', '--model', 'zipmodes', mac, 'mac');
    const at = async (step: number, app: string): Promise<string> => {
      const unit = unitsOf(await status('zipmodes', step), app)[0];
      return `${unit?.agent.current} '${unit?.agent.message}': ${unit?.workload.current} '${unit?.workload.message}'`;
    };
    expect(await at(5, 'mac')).toBe("idle '': active ''");
    // Juju retries the failed install 5 s later, then 10 s after that failure, 20 s, ...: the unit leaves error meanwhile.
    const fatSteps = await Promise.all([1, 2, 6, 7, 8, 17, 18, 19].map((step) => at(step, 'fat')));
    const error = `idle '': error 'hook failed: "install"'`;
    const retrying = `executing 'running install hook': maintenance 'installing charm software'`;
    expect(fatSteps).toEqual([retrying, error, error, retrying, error, error, retrying, error]);
    expect(await juju(19, 'debug-log', '--model', 'zipmodes', '--replay', '--no-tail', '--include', 'fat/0')).toContain(
      'ERROR juju.worker.uniter.operation hook "install" (via hook dispatching script: dispatch) failed: fork/exec /var/lib/juju/agents/unit-fat-0/charm/dispatch: permission denied',
    );
  });

  it("fires the suite's fail-fast alarm for a hook that keeps failing, although the unit leaves error during each retry", async () => {
    const fat = rewriteZipEntry(fake.charm, path.join(fake.root, 'fat-alarm.charm'), 'dispatch', { madeBy: 0x0014 });
    await juju(0, 'add-model', '--no-switch', 'alarm');
    await juju(0, 'deploy', '--model', 'alarm', fat, 'tinyproxy');
    let now = T0;
    const clock: Clock = {
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    };
    const seen: string[] = [];
    const read = async (): Promise<JujuStatus> => {
      const current = await status('alarm', (now - T0) / STEP);
      seen.push(`${(now - T0) / STEP}: ${unitsOf(current, 'tinyproxy')[0]?.workload.current}`);
      return current;
    };
    const wait = waitForStatus(read, unitsSettled('tinyproxy', { workload: 'active' }), {
      what: 'tinyproxy active',
      timeoutMs: 600_000,
      intervalMs: STEP,
      clock,
      alarm: hookErrorAlarm('tinyproxy', 30_000, clock),
    });
    await expect(wait).rejects.toThrow(/gave up: tinyproxy\/0 is in error: 'hook failed: "install"' \(first seen 30s ago, 3 time\(s\)/);
    // First error at step 2, retries at 7 and 18: the alarm fires at step 32, 30 s after the first error,
    // although the unit was out of error 14 s before (an alarm that restarted its grace then would wait on).
    expect((now - T0) / STEP).toBe(32);
    expect(seen).toContain('18: maintenance');
  });
});
