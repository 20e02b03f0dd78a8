// The whole Juju suite (tests/juju/*.juju.ts, through `npm run test:juju`'s run.mjs) against the
// fake juju, so a typo in a command, a flag or a JSON field fails here and not on a user's
// controller; then its pytest-operator-like choices (controller, cloud, an existing model, model
// config, no deploy, crash dumps) and its failure path. HTTP to the fake units goes to a stand-in
// on loopback; nothing leaves this machine.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeJuju, prepareFakeJuju, REPO, rewriteZipEntry } from './fake/harness.ts';
import { loadState } from './fake/state.ts';
import { startWorkloadProxy, type WorkloadProxy } from './fake/workload-proxy.ts';
import { isObject } from './lib/json.ts';

/** The tests of tinyproxy.juju.ts: all must pass against the fake. */
const SUITE_TESTS = 10;

interface Report {
  testResults: { assertionResults: { title: string; status: string }[] }[];
}

/** One run of the suite: its exit code and output, each test's status by title, and the juju calls it made. */
interface SuiteRun {
  readonly exitCode: number | undefined;
  readonly output: string;
  readonly results: Readonly<Record<string, string>>;
  readonly calls: readonly { argv: string[]; code: number }[];
}

/** Runs the suite against `fake` with `env` added (and vitest `args`), as `npm run test:juju` would. */
async function runSuite(fake: FakeJuju, env: Readonly<Record<string, string>>, args: readonly string[] = []): Promise<SuiteRun> {
  const callsFile = path.join(fake.stateDir, 'calls.jsonl');
  const readCalls = (): { argv: string[]; code: number }[] => {
    let text = '';
    try {
      text = readFileSync(callsFile, 'utf8');
    } catch {
      return [];
    }
    return text
      .trim()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as unknown)
      .filter(isObject)
      .map((call) => ({ argv: Array.isArray(call.argv) ? call.argv.map(String) : [], code: Number(call.code) }));
  };
  const before = readCalls().length;
  const reportFile = path.join(fake.root, `report-${Date.now()}.json`);
  const run = await execa(process.execPath, [path.join(REPO, 'tests/juju/run.mjs'), '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`, ...args], {
    cwd: REPO,
    env: { ...fake.env, CHARM_PATH: fake.charm, JUJU_TEST_POLL_MS: '20', JUJU_TEST_TIMEOUT_SCALE: '0.05', ...env },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout: 240_000,
  });
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
  const results = Object.fromEntries(report.testResults.flatMap((file) => file.assertionResults.map((test) => [test.title, test.status])));
  return { exitCode: run.exitCode, output: `${run.stdout}\n${run.stderr}`, results, calls: readCalls().slice(before) };
}

/** `tar -tvzf` of a file: one line per entry ("-rwxr-xr-x root/root ... ./dispatch"). */
const tarList = async (file: string): Promise<string[]> => (await execa('tar', ['-tvzf', file])).stdout.split('\n');

describe('the Juju integration suite', () => {
  let fake: FakeJuju;
  let proxy: WorkloadProxy;

  beforeAll(async () => {
    fake = await prepareFakeJuju(100);
    proxy = await startWorkloadProxy(fake.stateDir);
  });

  afterAll(async () => {
    await proxy?.close();
    fake?.cleanup();
  });

  it(`passes all ${SUITE_TESTS} tests against the fake juju, then leaves no model behind`, async () => {
    const run = await runSuite(fake, { JUJU_TEST_HTTP_PROXY: proxy.url.href });
    expect(run.exitCode, run.output).toBe(0);
    const results = Object.entries(run.results).map(([title, status]) => `${status}: ${title}`);
    expect(results, run.output).toHaveLength(SUITE_TESTS);
    expect(
      results.filter((line) => !line.startsWith('passed:')),
      run.output,
    ).toEqual([]);

    // Every command the suite relies on ran, with no usage error; the model is gone.
    const commands = new Set(run.calls.map((call) => call.argv[0]));
    for (const command of ['add-model', 'deploy', 'expose', 'status', 'config', 'exec', 'refresh', 'add-unit', 'remove-unit', 'destroy-model']) {
      expect(commands, `juju ${command} was never run`).toContain(command);
    }
    expect(
      run.calls.filter((call) => call.code === 2),
      'usage errors',
    ).toEqual([]);
    expect(
      run.calls.some((call) => call.argv[0] === 'debug-log'),
      'no failure, so no debug-log',
    ).toBe(false);
    expect(Object.keys(loadState(fake.stateDir).models)).toEqual([]);
    expect(run.output).toContain('$ juju deploy --model tinyproxy-test-');
  }, 300_000);
});

describe("the Juju integration suite's choices (pytest-operator's) and failure path", () => {
  let fake: FakeJuju;
  let proxy: WorkloadProxy;
  let dumps: string;
  const SMOKE = ['-t', 'deploys|workload version|refresh'];
  const dumpFolders = (): string[] =>
    readdirSync(dumps)
      .filter((name) => name.startsWith('juju-crashdump-'))
      .sort();

  beforeAll(async () => {
    fake = await prepareFakeJuju(100);
    proxy = await startWorkloadProxy(fake.stateDir);
    dumps = path.join(fake.root, 'dumps');
    mkdirSync(dumps);
    writeFileSync(path.join(fake.root, 'model.yaml'), 'update-status-hook-interval: 1m\nlogging-config: "<root>=INFO;unit=DEBUG"\n');
  });

  afterAll(async () => {
    await proxy?.close();
    fake?.cleanup();
  });

  it('creates JUJU_TEST_MODEL on JUJU_TEST_CONTROLLER and JUJU_TEST_CLOUD with JUJU_TEST_MODEL_CONFIG, leaves it in place, and dumps it (JUJU_TEST_CRASH_DUMP=always)', async () => {
    const run = await runSuite(
      fake,
      {
        JUJU_TEST_CONTROLLER: 'fake-lxd',
        JUJU_TEST_CLOUD: 'localhost',
        JUJU_TEST_MODEL: 'kept',
        JUJU_TEST_MODEL_CONFIG: path.join(fake.root, 'model.yaml'),
        JUJU_TEST_CRASH_DUMP: 'always',
        JUJU_TEST_CRASH_DUMP_DIR: dumps,
        JUJU_TEST_HTTP_PROXY: proxy.url.href,
      },
      SMOKE,
    );
    expect(run.exitCode, run.output).toBe(0);
    expect(
      Object.values(run.results).filter((status) => status === 'passed'),
      run.output,
    ).toHaveLength(3);
    expect(run.calls.find((call) => call.argv[0] === 'add-model')?.argv).toEqual([
      'add-model',
      '--no-switch',
      '--controller',
      'fake-lxd',
      '--config',
      path.join(fake.root, 'model.yaml'),
      'kept',
      'localhost',
    ]);
    expect(run.calls.find((call) => call.argv[0] === 'deploy')?.argv.slice(0, 3)).toEqual(['deploy', '--model', 'fake-lxd:kept']);
    expect(
      run.calls.filter((call) => call.code === 2),
      'usage errors',
    ).toEqual([]);
    expect(run.calls.some((call) => call.argv[0] === 'destroy-model')).toBe(false);
    expect(loadState(fake.stateDir).models.kept?.config).toEqual({ 'update-status-hook-interval': '1m', 'logging-config': '<root>=INFO;unit=DEBUG' });
    expect(run.output).toContain('keeping model fake-lxd:kept (JUJU_TEST_MODEL); remove it with: juju destroy-model fake-lxd:kept --no-prompt --destroy-storage --force');

    const [folder] = dumpFolders();
    expect(folder).toMatch(/^juju-crashdump-kept-\d{8}T\d{6}$/);
    const dump = path.join(dumps, folder ?? '');
    expect(readdirSync(dump).sort()).toEqual(['debug-log.txt', 'status.json', 'tinyproxy-0']);
    expect(readdirSync(path.join(dump, 'tinyproxy-0')).sort()).toEqual(['charm.tar.gz', 'debug-log.txt', 'tinyproxy.conf']);
    expect(JSON.parse(readFileSync(path.join(dump, 'status.json'), 'utf8'))).toMatchObject({ model: { name: 'kept' } });
    expect(readFileSync(path.join(dump, 'tinyproxy-0', 'debug-log.txt'), 'utf8')).toMatch(/^unit-tinyproxy-0: .* ran "install" hook/);
    expect(readFileSync(path.join(dump, 'tinyproxy-0', 'tinyproxy.conf'), 'utf8')).toContain('ReversePath "/example/" "http://www.example.com/"');
    expect(await tarList(path.join(dump, 'tinyproxy-0', 'charm.tar.gz'))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^-rwxr-xr-x root\/root .* \.\/dispatch$/), expect.stringMatching(/ \.\/metadata\.yaml$/)]),
    );
  }, 300_000);

  it('with JUJU_TEST_NO_DEPLOY=1, tests what is deployed and active in the existing JUJU_TEST_MODEL without deploying it again; the model config is not applied', async () => {
    const run = await runSuite(
      fake,
      {
        JUJU_TEST_CONTROLLER: 'fake-lxd',
        JUJU_TEST_MODEL: 'kept',
        JUJU_TEST_NO_DEPLOY: '1',
        JUJU_TEST_MODEL_CONFIG: path.join(fake.root, 'model.yaml'),
        JUJU_TEST_CRASH_DUMP_DIR: dumps,
        JUJU_TEST_HTTP_PROXY: proxy.url.href,
      },
      SMOKE,
    );
    expect(run.exitCode, run.output).toBe(0);
    expect(run.results).toMatchObject({
      'deploys, and every unit is active within 10 minutes': 'skipped',
      "shows tinyproxy's version as the workload version": 'passed',
      'refresh to the same charm: each unit runs upgrade-charm, then config-changed, and is active and serving again': 'skipped',
    });
    expect(run.output).toContain('JUJU_TEST_NO_DEPLOY=1: tinyproxy is already deployed and active in fake-lxd:kept, so it is not deployed again');
    expect(run.output).toContain('not applied: it applies only to a model the suite creates');
    expect(run.calls.map((call) => call.argv[0])).not.toContain('deploy');
    expect(run.calls.map((call) => call.argv[0])).not.toContain('refresh');
    expect(run.calls.map((call) => call.argv[0])).not.toContain('add-model');
    expect(Object.keys(loadState(fake.stateDir).models)).toEqual(['kept']);
    expect(dumpFolders()).toHaveLength(1); // nothing failed: no new dump
  }, 300_000);

  it('fails fast on a hook that keeps failing, prints the last status and 200 log lines, dumps the model and destroys it', async () => {
    const fat = rewriteZipEntry(fake.charm, path.join(fake.root, 'fat.charm'), 'dispatch', { madeBy: 0x0014 });
    const run = await runSuite(fake, { CHARM_PATH: fat, JUJU_TEST_CRASH_DUMP_DIR: dumps }, ['-t', 'deploys']);
    expect(run.exitCode, run.output).toBe(1);
    expect(run.results['deploys, and every unit is active within 10 minutes']).toBe('failed');
    expect(run.output).toMatch(/gave up: tinyproxy\/0 is in error: 'hook failed: "install"' \(first seen \d+(\.\d)?s ago, \d+ time\(s\): Juju's retries did not clear it\)/);
    expect(run.calls.find((call) => call.argv[0] === 'debug-log')?.argv).toEqual(['debug-log', '--model', expect.stringMatching(/^tinyproxy-test-/), '--lines', '200', '--no-tail']);
    expect(run.output).toMatch(/juju debug-log \(last 200 lines\):\nunit-tinyproxy-0: .* ERROR juju\.worker\.uniter\.operation hook "install" .* permission denied/);
    const folder = dumpFolders().find((name) => name.startsWith('juju-crashdump-tinyproxy-test-'));
    const dump = path.join(dumps, folder ?? 'missing');
    expect(readFileSync(path.join(dump, 'problems.txt'), 'utf8')).toMatch(/cat \/etc\/tinyproxy\/tinyproxy.conf: return code 1: cat: \/etc\/tinyproxy\/tinyproxy.conf: No such file or directory/);
    expect(await tarList(path.join(dump, 'tinyproxy-0', 'charm.tar.gz'))).toContainEqual(expect.stringMatching(/^-rw-rw-rw- root\/root .* \.\/dispatch$/));
    expect(Object.keys(loadState(fake.stateDir).models).filter((name) => name.startsWith('tinyproxy-test-'))).toEqual([]);
  }, 300_000);
});
