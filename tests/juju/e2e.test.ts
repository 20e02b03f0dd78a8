// The whole Juju suite (tests/juju/*.juju.ts, through `npm run test:juju`'s run.mjs) against the
// fake juju, so a typo in a command, a flag or a JSON field fails here and not on a user's
// controller. HTTP to the fake units goes to a stand-in on loopback; nothing leaves this machine.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isObject } from './lib/json.ts';
import { prepareFakeJuju, REPO, type FakeJuju } from './fake/harness.ts';
import { loadState } from './fake/state.ts';
import { startWorkloadProxy, type WorkloadProxy } from './fake/workload-proxy.ts';

/** The tests of tinyproxy.juju.ts: all must pass against the fake. */
const SUITE_TESTS = 10;

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

interface Report {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  testResults: { assertionResults: { title: string; status: string }[] }[];
}

describe('the Juju integration suite', () => {
  it(`passes all ${SUITE_TESTS} tests against the fake juju, then leaves no model behind`, async () => {
    const reportFile = path.join(fake.root, 'report.json');
    const run = await execa(process.execPath, [path.join(REPO, 'tests/juju/run.mjs'), '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`], {
      cwd: REPO,
      env: { ...fake.env, CHARM_PATH: fake.charm, JUJU_TEST_POLL_MS: '20', JUJU_TEST_TIMEOUT_SCALE: '0.05', JUJU_TEST_HTTP_PROXY: proxy.url.href },
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      timeout: 240_000,
    });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.exitCode, output).toBe(0);

    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
    const results = report.testResults.flatMap((file) => file.assertionResults.map((test) => `${test.status}: ${test.title}`));
    expect(results, output).toHaveLength(SUITE_TESTS);
    expect(results.filter((line) => !line.startsWith('passed:')), output).toEqual([]);
    expect(report.numPassedTests).toBe(SUITE_TESTS);

    // Every command the suite relies on ran, with no usage error; the model is gone.
    const calls = readFileSync(path.join(fake.stateDir, 'calls.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown)
      .filter(isObject);
    const commands = new Set(calls.map((call) => (Array.isArray(call.argv) ? String(call.argv[0]) : '')));
    for (const command of ['add-model', 'deploy', 'expose', 'status', 'config', 'exec', 'refresh', 'add-unit', 'remove-unit', 'destroy-model']) {
      expect(commands, `juju ${command} was never run`).toContain(command);
    }
    expect(calls.filter((call) => call.code === 2), 'usage errors').toEqual([]);
    expect(Object.keys(loadState(fake.stateDir).models)).toEqual([]);
    expect(run.stdout).toContain('$ juju deploy --model tinyproxy-test-');
  }, 300_000);
});
