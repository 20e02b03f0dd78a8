// Integration tests of the packed charm on a real Juju controller: `npm run test:juju`.
// One model (a temporary one, or JUJU_TEST_MODEL: see lib/settings.ts), tests in order (each
// builds on the state the previous one left), every wait a bounded poll of `juju status
// --format=json` or of the unit's HTTP port; on failure a crash dump (lib/crash-dump.ts).
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findCharm, readableByJuju, whichCommand } from './lib/charm.ts';
import { allOf, type Condition, charmRefreshed, type UnitsExpectation, unitAndMachineGone, unitsInError, unitsSettled } from './lib/conditions.ts';
import { writeCrashDump } from './lib/crash-dump.ts';
import { directHttpGet, type HttpAnswer, type HttpTarget, notBadRequest, notExamplePage, notMapped, notSilent, proxiedHttpGet, targetUrl } from './lib/http.ts';
import { JujuCli } from './lib/juju.ts';
import { closeModel, openModel, type SuiteModel } from './lib/model.ts';
import { readSettings } from './lib/settings.ts';
import { describeApp, type JujuStatus, type UnitStatus, unitAddress, unitsOf } from './lib/status.ts';
import { hookErrorAlarm, pollUntil, waitForStatus } from './lib/wait.ts';

const APP = 'tinyproxy';
const PORT = 8000;
const OTHER_PORT = 8080;
const MINUTE = 60_000;
/** The tutorial's blocked message for slug=foo/bar, and the charm's for server-port=22. */
const SLUG_MESSAGE = "Invalid slug: 'foo/bar'. Slug must match the regex [a-z0-9-]+";
const PORT_22_MESSAGE = 'Invalid server-port: 22. Port 22 is reserved for SSH';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const settings = readSettings(process.env);
/** A wait's bound: `n` minutes times JUJU_TEST_TIMEOUT_SCALE. */
const waitMinutes = (n: number): number => n * MINUTE * settings.timeoutScale;
/** A test's or hook's timeout: `n` minutes, longer (never shorter) with JUJU_TEST_TIMEOUT_SCALE. */
const testMinutes = (n: number): number => n * MINUTE * Math.max(1, settings.timeoutScale);
const httpGet = settings.httpProxy === undefined ? directHttpGet : proxiedHttpGet(settings.httpProxy);
const egress = !settings.noEgress;
const cli = new JujuCli({ log: (line) => console.log(line) });

let suiteModel: SuiteModel | undefined;
let charmFile = '';
/** The folders of snap-readable copies of the charm and the model config file, if any were made (removed at the end). */
const copyDirs: string[] = [];
let deployed = false;
/** The deploy was skipped (JUJU_TEST_NO_DEPLOY=1): what is deployed is tested as it is. */
let testedAsDeployed = false;
let failed = false;
let addedUnit: UnitStatus | undefined;

/** The model-bound CLI; set once the model exists. */
const model = (): JujuCli => {
  if (suiteModel === undefined) throw new Error('the model was not created');
  return suiteModel.juju;
};

/** On failure (or always, JUJU_TEST_CRASH_DUMP): the last status and log lines here, and a crash dump in a folder. */
async function diagnose(open: SuiteModel, failed: boolean): Promise<void> {
  if (failed) {
    const status = await open.juju.status().catch(() => undefined);
    if (status !== undefined) console.log(`last status:\n  ${describeApp(status, APP)}`);
    const log = await open.juju.debugLog({ lines: 200 }).catch((error: Error) => `(juju debug-log failed: ${error.message})`);
    console.log(`juju debug-log (last 200 lines):\n${log}`);
  }
  if (settings.crashDump === 'never' || (settings.crashDump === 'on-failure' && !failed)) return;
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const dump = await writeCrashDump(open.juju, APP, path.join(settings.crashDumpDir, `juju-crashdump-${open.name}-${stamp}`));
  console.log(`crash dump (JUJU_TEST_CRASH_DUMP=${settings.crashDump}): ${dump.folder}: ${dump.files.join(', ')}${dump.problems.length > 0 ? `; not fetched: ${dump.problems.join('; ')}` : ''}`);
}

/** Waits until `condition` holds 3 polls in a row; a unit of the app in error that Juju's retries do not clear within 3 minutes fails it. */
const waitFor = (what: string, condition: Condition, timeoutMs: number, alarmGraceMs = waitMinutes(3)): Promise<JujuStatus> =>
  waitForStatus(() => model().status(), condition, {
    what,
    timeoutMs,
    intervalMs: settings.pollMs,
    successes: 3,
    alarm: hookErrorAlarm(APP, alarmGraceMs),
    describe: (status) => describeApp(status, APP),
  });

/** Every unit settled as expected, within `timeoutMs`. */
const waitForUnits = (expected: UnitsExpectation, timeoutMs = waitMinutes(5)): Promise<JujuStatus> =>
  waitFor(
    `every ${APP} unit ${expected.workload}${expected.message ? ` '${expected.message}'` : ''}${expected.ports ? ` with ports [${expected.ports.join(' ')}]` : ''}`,
    unitsSettled(APP, expected),
    timeoutMs,
  );

/** GETs `target` until `problem` finds none in the answer (bounded), and returns that answer. */
const expectHttp = (target: HttpTarget, problem: (answer: HttpAnswer) => string | undefined, timeoutMs = waitMinutes(2)): Promise<HttpAnswer> =>
  pollUntil(
    async () => {
      const answer = await httpGet(target, 10_000);
      const reason = problem(answer);
      return reason === undefined ? { state: 'ready', value: answer } : { state: 'waiting', reason };
    },
    { what: `GET ${targetUrl(target)}`, timeoutMs, intervalMs: settings.pollMs },
  );

/** Each unit with the address to reach it at. */
const addresses = (status: JujuStatus): { unit: UnitStatus; host: string }[] =>
  unitsOf(status, APP).map((unit) => {
    const host = unitAddress(status, unit);
    if (host === '') throw new Error(`${unit.name} has no address in juju status`);
    return { unit, host };
  });

/** Runs `body`; if it fails, resets `keys` so the tests after it start from the defaults again. */
async function resetOnFailure(keys: readonly string[], body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    await model()
      .resetConfig(APP, keys)
      .catch((reset: Error) => console.warn(`could not reset ${keys.join(',')}: ${reset.message}`));
    throw error;
  }
}

/** Skips a test that needs the deployed application when the deploy test failed. */
const needDeployed = (skip: (note: string) => never): void => {
  if (!deployed) skip('the deploy test failed, so there is nothing to test');
};

describe.sequential(`${APP} on a Juju machine model`, () => {
  beforeAll(async () => {
    const charm = findCharm(repoRoot, settings.charmPath);
    console.log(`charm: ${charm}`);
    const forJuju = (file: string): string => {
      const readable = readableByJuju(file, whichCommand('juju', process.env.PATH), process.env.HOME);
      if (readable !== file) copyDirs.push(path.dirname(readable));
      return readable;
    };
    charmFile = forJuju(charm);
    const modelConfig = settings.modelConfig === undefined ? {} : { modelConfig: forJuju(settings.modelConfig) };
    suiteModel = await openModel(cli, { ...settings, ...modelConfig }, `tinyproxy-test-${randomBytes(4).toString('hex')}`, (line) => console.log(line));
  }, testMinutes(10));

  afterEach(({ task }) => {
    if (task.result?.state === 'fail') failed = true;
  });

  afterAll(async () => {
    for (const dir of copyDirs) rmSync(dir, { recursive: true, force: true });
    if (suiteModel === undefined) return;
    await diagnose(suiteModel, failed);
    await closeModel(cli, suiteModel, (line) => console.log(line));
  }, testMinutes(20));

  it(
    'deploys, and every unit is active within 10 minutes',
    async ({ skip }) => {
      if ((await model().status()).apps[APP] !== undefined) {
        const where = suiteModel?.ref ?? '';
        if (!settings.noDeploy) throw new Error(`${APP} is already deployed in model ${where}: set JUJU_TEST_NO_DEPLOY=1 to test it as it is, or name another JUJU_TEST_MODEL`);
        await model().expose(APP);
        await waitForUnits({ workload: 'active' }, waitMinutes(10));
        deployed = true;
        testedAsDeployed = true;
        const reason = `JUJU_TEST_NO_DEPLOY=1: ${APP} is already deployed and active in ${where}, so it is not deployed again`;
        console.warn(`skipping: ${reason}`);
        skip(reason);
      }
      await model().deploy(charmFile, APP);
      await model().expose(APP);
      await waitForUnits({ workload: 'active', units: 1 }, waitMinutes(10));
      deployed = true;
    },
    testMinutes(15),
  );

  it(
    "shows tinyproxy's version as the workload version",
    async ({ skip }) => {
      needDeployed(skip);
      const status = await model().status();
      const version = status.apps[APP]?.version ?? '';
      expect(version, 'application version in juju status').toMatch(/^\d+\.\d+\.\d+$/);
      for (const unit of unitsOf(status, APP)) {
        const result = await model().exec(unit.name, ['tinyproxy', '-v']);
        expect(result.returnCode, `tinyproxy -v on ${unit.name}: ${result.stderr}`).toBe(0);
        expect(result.stdout.trim()).toBe(`tinyproxy ${version}`);
      }
    },
    testMinutes(5),
  );

  it(
    "serves example.com's page at <unit address>:8000/example/",
    async ({ skip }) => {
      needDeployed(skip);
      if (settings.noEgress) {
        const reason = 'JUJU_TEST_NO_EGRESS=1: the units have no internet, so example.com cannot be fetched through them';
        console.warn(`skipping: ${reason}`);
        skip(reason);
      }
      for (const { host } of addresses(await model().status())) {
        await expectHttp({ host, port: PORT, path: '/example/' }, notExamplePage);
      }
    },
    testMinutes(5),
  );

  it(
    'slug=foo: /foo/ serves the upstream and /example/ returns 400',
    async ({ skip }) => {
      needDeployed(skip);
      await resetOnFailure(['slug'], async () => {
        await model().setConfig(APP, { slug: 'foo' });
        const status = await waitForUnits({ workload: 'active' });
        for (const { host } of addresses(status)) {
          await expectHttp({ host, port: PORT, path: '/foo/' }, (answer) => notMapped(answer, egress));
          await expectHttp({ host, port: PORT, path: '/example/' }, notBadRequest);
        }
      });
    },
    testMinutes(15),
  );

  it(
    'slug=foo/bar: blocked with the exact message; reset: active again, serving /example/',
    async ({ skip }) => {
      needDeployed(skip);
      await resetOnFailure(['slug'], async () => {
        await model().setConfig(APP, { slug: 'foo/bar' });
        await waitForUnits({ workload: 'blocked', message: SLUG_MESSAGE });
      });
      await model().resetConfig(APP, ['slug']);
      const status = await waitForUnits({ workload: 'active' });
      for (const { host } of addresses(status)) {
        await expectHttp({ host, port: PORT, path: '/example/' }, (answer) => notMapped(answer, egress));
      }
    },
    testMinutes(15),
  );

  it(
    'lists 8000/tcp in the open ports of every unit',
    async ({ skip }) => {
      needDeployed(skip);
      await waitForUnits({ workload: 'active', ports: [`${PORT}/tcp`] }, waitMinutes(2));
    },
    testMinutes(5),
  );

  it(
    'refresh to the same charm: each unit runs upgrade-charm, then config-changed, and is active and serving again',
    async ({ skip }) => {
      needDeployed(skip);
      if (testedAsDeployed) {
        const reason = `JUJU_TEST_NO_DEPLOY=1: the deployed charm is tested as it is, not refreshed to ${path.basename(charmFile)}`;
        console.warn(`skipping: ${reason}`);
        skip(reason);
      }
      const revision = ((await model().status()).apps[APP]?.charmRev ?? 0) + 1;
      await model().refresh(APP, charmFile);
      const status = await waitFor(
        `${APP} at charm revision ${revision}, every unit active with ports [${PORT}/tcp]`,
        allOf(charmRefreshed(APP, revision), unitsSettled(APP, { workload: 'active', ports: [`${PORT}/tcp`] })),
        waitMinutes(10),
      );
      for (const { host } of addresses(status)) {
        await expectHttp({ host, port: PORT, path: '/example/' }, (answer) => notMapped(answer, egress));
      }
    },
    testMinutes(15),
  );

  it(
    'server-port: the new port is listed and served, the old one not; 22 blocks',
    async ({ skip }) => {
      needDeployed(skip);
      if (!('server-port' in (await model().config(APP)))) {
        const reason = 'the deployed charm has no server-port option';
        console.warn(`skipping: ${reason}`);
        skip(reason);
      }
      await resetOnFailure(['server-port'], async () => {
        await model().setConfig(APP, { 'server-port': OTHER_PORT });
        const moved = await waitForUnits({ workload: 'active', ports: [`${OTHER_PORT}/tcp`] });
        for (const { host } of addresses(moved)) {
          await expectHttp({ host, port: OTHER_PORT, path: '/example/' }, (answer) => notMapped(answer, egress));
          await expectHttp({ host, port: PORT, path: '/example/' }, notSilent);
        }
        await model().setConfig(APP, { 'server-port': 22 });
        await waitForUnits({ workload: 'blocked', message: PORT_22_MESSAGE, ports: [`${OTHER_PORT}/tcp`] });
      });

      await model().resetConfig(APP, ['server-port']);
      const status = await waitForUnits({ workload: 'active', ports: [`${PORT}/tcp`] });
      for (const { host } of addresses(status)) {
        await expectHttp({ host, port: PORT, path: '/example/' }, (answer) => notMapped(answer, egress));
      }
    },
    testMinutes(30),
  );

  it(
    'add-unit: the second unit becomes active and serves on its own address',
    async ({ skip }) => {
      needDeployed(skip);
      const before = unitsOf(await model().status(), APP);
      await model().addUnit(APP);
      const status = await waitForUnits({ workload: 'active', units: before.length + 1, ports: [`${PORT}/tcp`] }, waitMinutes(10));
      const added = unitsOf(status, APP).find((unit) => !before.some((old) => old.name === unit.name));
      if (added === undefined) throw new Error(`no new unit after add-unit:\n  ${describeApp(status, APP)}`);
      addedUnit = added;
      const host = unitAddress(status, added);
      const others = before.map((unit) => unitAddress(status, unit));
      expect(host, `${added.name}'s address`).not.toBe('');
      expect(others, `${added.name} should have its own address`).not.toContain(host);
      await expectHttp({ host, port: PORT, path: '/example/' }, (answer) => notMapped(answer, egress));
      await expectHttp({ host, port: PORT, path: '/not-the-slug/' }, notBadRequest);
    },
    testMinutes(15),
  );

  it(
    'remove-unit: the unit and its machine leave juju status without an error',
    async ({ skip }) => {
      needDeployed(skip);
      const unit = addedUnit;
      if (unit === undefined) return skip('the add-unit test did not add a unit');
      const remaining = unitsOf(await model().status(), APP).length - 1;
      await model().removeUnit(unit.name);
      await waitForStatus(() => model().status(), allOf(unitAndMachineGone(APP, unit.name, unit.machine), unitsSettled(APP, { workload: 'active', units: remaining })), {
        what: `${unit.name} and machine ${unit.machine} removed`,
        timeoutMs: waitMinutes(10),
        intervalMs: settings.pollMs,
        successes: 3,
        alarm: unitsInError(APP),
        describe: (status) => `${describeApp(status, APP)}\n  machines: ${Object.keys(status.machines).join(', ')}`,
      });
    },
    testMinutes(15),
  );
});
