// The environment variables the Juju suite reads. Those after CHARM_PATH and KEEP_MODEL mirror
// what pytest-operator's users rely on (--controller, --cloud, --model, --model-config,
// --no-deploy, --crash-dump, --crash-dump-output).
import { statSync } from 'node:fs';
import path from 'node:path';

/** When the suite writes a crash dump: pytest-operator's --crash-dump values, less `legacy`. */
export type CrashDumpWhen = 'on-failure' | 'always' | 'never';

/** How the suite runs, from the environment. */
export interface SuiteSettings {
  /** `CHARM_PATH`: the .charm to deploy (default: the single *.charm at the repository root, or the one for the host's architecture). */
  readonly charmPath: string | undefined;
  /** `KEEP_MODEL=1`: do not destroy the model at the end (its name is printed). */
  readonly keepModel: boolean;
  /** `JUJU_TEST_NO_EGRESS=1`: the units cannot reach the internet (skip the example.com case). */
  readonly noEgress: boolean;
  /** `JUJU_TEST_POLL_MS`: how often waits re-read `juju status` (default 2000). */
  readonly pollMs: number;
  /** `JUJU_TEST_TIMEOUT_SCALE`: multiplies every wait's bound (default 1; e.g. 2 on a slow cloud). */
  readonly timeoutScale: number;
  /** `JUJU_TEST_HTTP_PROXY`: reach the units' HTTP ports through this HTTP proxy instead of directly. */
  readonly httpProxy: URL | undefined;
  /** `JUJU_TEST_CONTROLLER`: the controller to work on (default: the CLI's current one). */
  readonly controller: string | undefined;
  /** `JUJU_TEST_CLOUD`: the cloud (or cloud/region) of the model the suite creates (default: the controller's). */
  readonly cloud: string | undefined;
  /** `JUJU_TEST_MODEL`: use this model (created if missing) and leave it in place at the end. */
  readonly model: string | undefined;
  /** `JUJU_TEST_MODEL_CONFIG`: a YAML file of model config, applied when the suite creates the model (absolute path). */
  readonly modelConfig: string | undefined;
  /** `JUJU_TEST_NO_DEPLOY=1` (needs JUJU_TEST_MODEL): do not deploy when the application is already deployed and active. */
  readonly noDeploy: boolean;
  /** `JUJU_TEST_CRASH_DUMP`: when to write a crash dump (default on-failure). */
  readonly crashDump: CrashDumpWhen;
  /** `JUJU_TEST_CRASH_DUMP_DIR`: where crash dumps go (default: the current folder; absolute path). */
  readonly crashDumpDir: string;
}

const flag = (value: string | undefined): boolean => value !== undefined && /^(1|true|yes)$/i.test(value.trim());
const text = (value: string | undefined): string | undefined => (value?.trim() ? value.trim() : undefined);

/** Juju's model and controller names: lowercase letters, digits and hyphens, not starting with a hyphen. */
const NAME = /^[a-z0-9][a-z0-9-]*$/;
const CLOUD = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/;
const CRASH_DUMP: readonly CrashDumpWhen[] = ['on-failure', 'always', 'never'];

/** Reads the suite's settings (relative paths from `cwd`); throws on a malformed value rather than guessing. */
export function readSettings(env: Readonly<Record<string, string | undefined>>, cwd: string = process.cwd()): SuiteSettings {
  const pollText = env.JUJU_TEST_POLL_MS?.trim() || '2000';
  const pollMs = Number(pollText);
  if (!Number.isInteger(pollMs) || pollMs < 1 || pollMs > 60_000) throw new Error(`JUJU_TEST_POLL_MS=${pollText}: expected 1..60000`);
  const scaleText = env.JUJU_TEST_TIMEOUT_SCALE?.trim() || '1';
  const timeoutScale = Number(scaleText);
  if (!(timeoutScale > 0 && timeoutScale <= 10)) throw new Error(`JUJU_TEST_TIMEOUT_SCALE=${scaleText}: expected a number above 0, at most 10`);
  const proxy = env.JUJU_TEST_HTTP_PROXY?.trim();
  let httpProxy: URL | undefined;
  if (proxy) {
    httpProxy = new URL(proxy);
    if (httpProxy.protocol !== 'http:') throw new Error(`JUJU_TEST_HTTP_PROXY=${proxy}: expected http://host:port`);
  }
  const controller = text(env.JUJU_TEST_CONTROLLER);
  if (controller !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(controller)) throw new Error(`JUJU_TEST_CONTROLLER=${controller}: not a controller name`);
  const cloud = text(env.JUJU_TEST_CLOUD);
  if (cloud !== undefined && !CLOUD.test(cloud)) throw new Error(`JUJU_TEST_CLOUD=${cloud}: expected <cloud> or <cloud>/<region>`);
  const model = text(env.JUJU_TEST_MODEL);
  if (model !== undefined && !NAME.test(model)) throw new Error(`JUJU_TEST_MODEL=${model}: model names are lowercase letters, digits and hyphens`);
  const configText = text(env.JUJU_TEST_MODEL_CONFIG);
  const modelConfig = configText === undefined ? undefined : path.resolve(cwd, configText);
  if (modelConfig !== undefined && !statSync(modelConfig, { throwIfNoEntry: false })?.isFile()) throw new Error(`JUJU_TEST_MODEL_CONFIG=${configText}: no such file`);
  const noDeploy = flag(env.JUJU_TEST_NO_DEPLOY);
  if (noDeploy && model === undefined) throw new Error('JUJU_TEST_NO_DEPLOY=1 needs JUJU_TEST_MODEL: a model the suite creates has nothing deployed');
  const crashDump = (text(env.JUJU_TEST_CRASH_DUMP) ?? 'on-failure') as CrashDumpWhen;
  if (!CRASH_DUMP.includes(crashDump)) throw new Error(`JUJU_TEST_CRASH_DUMP=${crashDump}: expected ${CRASH_DUMP.join(', ')}`);
  const crashDumpDir = path.resolve(cwd, text(env.JUJU_TEST_CRASH_DUMP_DIR) ?? '.');
  return {
    charmPath: env.CHARM_PATH,
    keepModel: flag(env.KEEP_MODEL),
    noEgress: flag(env.JUJU_TEST_NO_EGRESS),
    pollMs,
    timeoutScale,
    httpProxy,
    controller,
    cloud,
    model,
    modelConfig,
    noDeploy,
    crashDump,
    crashDumpDir,
  };
}
