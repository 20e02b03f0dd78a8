// The fake juju itself: it must answer like Juju (status transitions, the charm's messages,
// ports, units coming and going) and refuse what it does not know, so the suite's run against
// it means something. Time is pinned with FAKE_JUJU_NOW; steps are 1 s apart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unitAndMachineGone, unitsSettled } from './lib/conditions.ts';
import { notBadRequest, notExamplePage, notSilent, proxiedHttpGet } from './lib/http.ts';
import { parseConfigOutput, parseExecOutput } from './lib/outputs.ts';
import { parseStatus, unitsOf, type JujuStatus } from './lib/status.ts';
import { prepareFakeJuju, runFake, type FakeJuju } from './fake/harness.ts';
import { startWorkloadProxy } from './fake/workload-proxy.ts';

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
      [['debug-log', '--model', 'refusals'], 2, /follows the log forever/],
    ];
    for (const [args, code, stderr] of cases) {
      const run = await runFake(fake, args, T0);
      expect([run.exitCode, run.stderr], args.join(' ')).toEqual([code, expect.stringMatching(stderr)]);
    }
    await juju(0, 'destroy-model', 'refusals', '--no-prompt', '--destroy-storage', '--force');
  });

  it('deploys: waiting for machine, installing, then active with version, port and address', async () => {
    await juju(0, 'add-model', '--no-switch', 'deploy');
    await juju(0, 'deploy', '--model', 'deploy', fake.charm, 'tinyproxy');
    const active = unitsSettled('tinyproxy', { workload: 'active', units: 1, ports: ['8000/tcp'] });
    const at0 = await status('deploy', 0);
    expect(active(at0)).toBe("tinyproxy/0 is waiting 'waiting for machine', expected active");
    expect(at0.machines['0']?.agent.current).toBe('pending');
    expect(active(await status('deploy', 1))).toBe("tinyproxy/0 is maintenance 'installing charm software', expected active");
    expect(active(await status('deploy', 2))).toBe("tinyproxy/0 is maintenance 'Waiting for tinyproxy to start', expected active");
    const done = await status('deploy', 3);
    expect(active(done)).toBeUndefined();
    expect(done.apps.tinyproxy).toMatchObject({ version: '1.11.1', charmName: 'tinyproxy', exposed: false });
    expect(unitsOf(done, 'tinyproxy')[0]).toMatchObject({ publicAddress: expect.stringMatching(/^127\.0\.10\.\d+$/), machine: '0', leader: true });
    const exec = parseExecOutput(await juju(3, 'exec', '--model', 'deploy', '--format=json', '--unit', 'tinyproxy/0', '--', 'tinyproxy', '-v'), 'tinyproxy/0');
    expect(exec).toMatchObject({ returnCode: 0, stdout: 'tinyproxy 1.11.1\n' });
    const other = await runFake(fake, ['exec', '--model', 'deploy', '--format=json', '--unit', 'tinyproxy/0', '--', 'hostname'], T0 + 3 * STEP);
    expect(other.exitCode).toBe(2);
  });

  it("blocks with the charm's own messages, keeps the old port while blocked, and checks option names and types", async () => {
    await juju(0, 'add-model', '--no-switch', 'config');
    await juju(0, 'deploy', '--model', 'config', fake.charm, 'tinyproxy');
    await juju(4, 'config', '--model', 'config', 'tinyproxy', 'slug=foo/bar');
    const stale = await status('config', 4);
    expect(unitsSettled('tinyproxy', { workload: 'active' })(stale)).toBeUndefined(); // the hook has not run yet
    const blocked = unitsSettled('tinyproxy', { workload: 'blocked', message: "Invalid slug: 'foo/bar'. Slug must match the regex [a-z0-9-]+", ports: ['8000/tcp'] });
    expect(blocked(await status('config', 6))).toBeUndefined();
    await juju(7, 'config', '--model', 'config', 'tinyproxy', '--reset', 'slug', 'server-port=22');
    const port22 = unitsSettled('tinyproxy', { workload: 'blocked', message: 'Invalid server-port: 22. Port 22 is reserved for SSH', ports: ['8000/tcp'] });
    expect(port22(await status('config', 9))).toBeUndefined();
    await juju(10, 'config', '--model', 'config', 'tinyproxy', 'server-port=8080');
    expect(unitsSettled('tinyproxy', { workload: 'active', ports: ['8080/tcp'] })(await status('config', 12))).toBeUndefined();
    const settings = parseConfigOutput(await juju(12, 'config', '--model', 'config', 'tinyproxy', '--format=json'));
    expect(settings['server-port']).toEqual({ type: 'int', value: 8080, default: 8000, source: 'user' });
    expect(settings.slug).toMatchObject({ value: 'example', source: 'default' });
    for (const [pair, message] of [
      ['server-port=eighty', /option "server-port" expected int, got "eighty"/],
      ['colour=blue', /unknown option "colour"/],
    ] as const) {
      const run = await runFake(fake, ['config', '--model', 'config', 'tinyproxy', pair], T0 + 12 * STEP);
      expect([run.exitCode, run.stderr]).toEqual([1, expect.stringMatching(message)]);
    }
  });

  it('adds a unit on a new machine with its own address, and removes it and its machine only with --no-prompt', async () => {
    await juju(0, 'add-model', '--no-switch', 'scale');
    await juju(0, 'deploy', '--model', 'scale', fake.charm, 'tinyproxy');
    await juju(4, 'add-unit', '--model', 'scale', 'tinyproxy');
    const two = await status('scale', 8);
    expect(unitsSettled('tinyproxy', { workload: 'active', units: 2, ports: ['8000/tcp'] })(two)).toBeUndefined();
    const [first, second] = unitsOf(two, 'tinyproxy');
    expect([first?.name, first?.machine, second?.name, second?.machine]).toEqual(['tinyproxy/0', '0', 'tinyproxy/1', '1']);
    expect(second?.publicAddress).toMatch(/^127\.0\.10\.\d+$/);
    expect(second?.publicAddress).not.toBe(first?.publicAddress);
    const prompt = await runFake(fake, ['remove-unit', '--model', 'scale', 'tinyproxy/1'], T0 + 8 * STEP);
    expect([prompt.exitCode, prompt.stderr]).toEqual([1, expect.stringMatching(/Continue \[y\/N\]\? ERROR unit removal: aborted/)]);
    await juju(8, 'remove-unit', '--model', 'scale', '--no-prompt', 'tinyproxy/1');
    const gone = unitAndMachineGone('tinyproxy', 'tinyproxy/1', '1');
    const dying = await status('scale', 9);
    expect(dying.apps.tinyproxy?.units['tinyproxy/1']?.agent).toMatchObject({ current: 'executing', message: 'running stop hook', life: 'dying' });
    expect(gone(await status('scale', 11))).toBe('machine 1 is still listed (started)');
    expect(gone(await status('scale', 12))).toBeUndefined();
    expect(await juju(12, 'debug-log', '--model', 'scale', '--limit', '2')).toMatch(/ran "stop" hook[^]*ran "remove" hook/);
  });

  it('answers HTTP as each unit\'s tinyproxy through the stand-in, and drops what no fake tinyproxy listens on', async () => {
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
      now = T0 + 5 * STEP;
      expect(notExamplePage(await at('/foo/'))).toBeUndefined();
      expect(notBadRequest(await at('/example/'))).toBeUndefined();
      expect(notSilent(await at('/foo/', 8080))).toBeUndefined();
      expect(notSilent(await get({ host: '127.0.99.9', port: 8000, path: '/foo/' }, 5000))).toBeUndefined();
    } finally {
      await proxy.close();
    }
  });
});
