// Simulated Juju unit: runs a charm's dispatch the way the unit agent does (cwd = charm dir,
// a Juju-only environment, hook tools on PATH) and exposes what the charm told "Juju".
import { randomInt, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  type Call,
  type ConfigMap,
  type ConfigValue,
  charmHasSetStatus,
  commitPendingPorts,
  discardPendingPorts,
  initSimState,
  type LogEntry,
  nextCallIndex,
  type PendingPort,
  readCalls,
  readCharmStatus,
  readJujuStatus,
  readLogs,
  readOpenedPorts,
  readPendingPorts,
  readWorkloadVersion,
  SIM_BIN_DIR,
  type StatusInfo,
  setHookError,
  writeConfigState,
  writeStoredStatus,
} from './juju-sim-state.ts';
import { type CommandResult, runCommand } from './process.ts';

export * from './juju-sim-state.ts';

/** A config option as declared in config.yaml. */
interface ConfigOption {
  type: 'string' | 'int' | 'float' | 'boolean' | 'secret';
  default?: ConfigValue | null;
  description?: string;
}

/** Options of createSimUnit. */
export interface SimUnitOptions {
  /** Directory holding dispatch (and config.yaml, whose defaults are used when present). */
  charmDir: string;
  /** Values set by the user (`juju config`), on top of the defaults. */
  config?: ConfigMap;
  /** Use this state directory instead of a new temporary one. */
  stateDir?: string;
  /** Run dispatch somewhere else (a container whose root is mounted at `root` on this host). */
  machine?: SimMachine;
}

/** A machine whose filesystem this host sees under `root`, and a way to run a command in it. */
interface SimMachine {
  /** Host path of the machine's `/`; charmDir and stateDir must live under it. */
  readonly root: string;
  /** Where the machine sees testkit/juju-sim/bin. */
  readonly simBinDir: string;
  exec(argv: readonly string[], options: { cwd: string; env: Record<string, string>; timeoutMs: number }): Promise<CommandResult>;
}

/** Options of runHook. */
export interface RunHookOptions {
  /** Command prefix, e.g. ['ip', 'netns', 'exec', 'ns1']. */
  wrap?: readonly string[];
  /** Kill the hook after this long (default 600 s). */
  timeoutMs?: number;
  /** Extra environment variables (e.g. JUJU_DEBUG), added to the Juju-like set. */
  env?: Readonly<Record<string, string>>;
  /**
   * Juju fails to commit the hook's changes although dispatch exited 0 (juju/juju's uniter:
   * a failed Flush counts as a failed hook): its port changes are dropped and the result says
   * `failed`. status-set and application-version-set took effect at once and stay.
   */
  dropCommit?: boolean;
}

/** What one hook run did. */
export interface HookResult extends CommandResult {
  /** The hook-tool calls made during this hook, in order. */
  calls: Call[];
  /** The exact environment dispatch was given. */
  env: Readonly<Record<string, string>>;
  /**
   * Juju counts the hook as failed: dispatch exited non-zero or was killed (a signal, the
   * timeout), or its commit was dropped (dropCommit, exitCode 0). Its port changes were dropped.
   */
  failed: boolean;
}

/** A simulated unit of a deployed charm. */
export interface SimUnit {
  readonly charmDir: string;
  readonly stateDir: string;
  readonly unitName: string;
  /** Sets config values (like `juju config app k=v`). */
  setConfig(partial: ConfigMap): void;
  /** Unsets a config value, back to its default (like `juju config app --reset k`). */
  resetConfig(key: string): void;
  /**
   * Runs dispatch for a hook (JUJU_DISPATCH_PATH=hooks/<event>). Its open-port/close-port
   * requests are committed only when it exits 0 and options.dropCommit is not set, else dropped.
   */
  runHook(event: string, options?: RunHookOptions): Promise<HookResult>;
  /**
   * The unit status the charm last set with status-set (before it ever did, the one Juju gave
   * the unit). What the charm decided; not always what a user sees, see jujuStatus.
   */
  status(): StatusInfo;
  /**
   * The unit's workload status as `juju status` shows it after the hooks run so far: Juju's own
   * statuses around stop and remove replace the charm's (maintenance with an empty message
   * after stop, terminated after remove), `unknown` after a start when the charm never set
   * one, and `error` 'hook failed: "<hook>"' after a failed hook until the next hook runs.
   */
  jujuStatus(): StatusInfo;
  /** Workload version ('' if never set). */
  workloadVersion(): string;
  /** Committed opened ports, e.g. ['8000/tcp']. */
  openedPorts(): string[];
  /** Uncommitted port requests (empty before and after every runHook). */
  pendingPorts(): PendingPort[];
  /** All juju-log records so far. */
  logs(): LogEntry[];
  /** All hook-tool calls so far. */
  calls(): Call[];
  /** Deletes the state directory (if it was created by createSimUnit). */
  cleanup(): void;
}

const BASE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * What Juju 3.6 itself does to the unit status around a hook (juju/juju
 * internal/worker/uniter/operation/runhook.go, beforeHook and afterHook; afterHook runs only
 * when the hook succeeded). These writes replace whatever the charm set.
 */
function beforeHook(stateDir: string, hook: string): void {
  setHookError(stateDir, undefined);
  if (hook === 'install' && !charmHasSetStatus(stateDir)) writeStoredStatus(stateDir, { status: 'maintenance', message: 'installing charm software' });
  if (hook === 'stop') writeStoredStatus(stateDir, { status: 'maintenance', message: 'stopping charm software' });
  if (hook === 'remove') writeStoredStatus(stateDir, { status: 'maintenance', message: 'cleaning up prior to charm deletion' });
}

function afterHook(stateDir: string, hook: string, failed: boolean): void {
  if (failed) {
    setHookError(stateDir, hook);
    return;
  }
  if (hook === 'stop') writeStoredStatus(stateDir, { status: 'maintenance', message: '' });
  if (hook === 'remove') writeStoredStatus(stateDir, { status: 'terminated', message: '' });
  if (hook === 'start' && !charmHasSetStatus(stateDir)) writeStoredStatus(stateDir, { status: 'unknown', message: '' });
}
const OPTION_TYPES = new Set(['string', 'int', 'float', 'boolean', 'secret']);

/** Reads config.yaml options from a charm directory (undefined if the file is absent). */
function readConfigOptions(charmDir: string): Record<string, ConfigOption> | undefined {
  const path = join(charmDir, 'config.yaml');
  if (!existsSync(path)) return undefined;
  const doc: unknown = parseYaml(readFileSync(path, 'utf8'));
  const options = (doc as { options?: unknown } | null)?.options ?? {};
  if (typeof options !== 'object' || options === null) throw new Error(`${path}: options is not a map`);
  const result: Record<string, ConfigOption> = {};
  for (const [name, raw] of Object.entries(options as Record<string, unknown>)) {
    const opt = raw as { type?: unknown; default?: unknown; description?: unknown };
    const type = typeof opt.type === 'string' ? opt.type : 'string';
    if (!OPTION_TYPES.has(type)) throw new Error(`${path}: option ${name} has unknown type ${type}`);
    const option: ConfigOption = { type: type as ConfigOption['type'] };
    const dflt = opt.default;
    if (typeof dflt === 'string' || typeof dflt === 'number' || typeof dflt === 'boolean') option.default = dflt;
    if (typeof opt.description === 'string') option.description = opt.description;
    result[name] = option;
  }
  return result;
}

function checkType(name: string, value: ConfigValue, option: ConfigOption | undefined): void {
  if (option === undefined) throw new Error(`juju-sim: unknown option "${name}"`);
  const ok = option.type === 'boolean' ? typeof value === 'boolean' : option.type === 'int' ? Number.isInteger(value) : option.type === 'float' ? typeof value === 'number' : typeof value === 'string';
  if (!ok) throw new Error(`juju-sim: option "${name}" expects type ${option.type}, got ${JSON.stringify(value)}`);
}

/** Builds the dispatch environment from scratch (nothing inherited from the test process). */
export function hookEnvironment(params: {
  charmDir: string;
  stateDir: string;
  unitName: string;
  modelUuid: string;
  dispatchPath: string;
  hookName: string;
  simBinDir?: string;
}): Record<string, string> {
  return {
    JUJU_DISPATCH_PATH: params.dispatchPath,
    JUJU_HOOK_NAME: params.hookName,
    JUJU_UNIT_NAME: params.unitName,
    JUJU_MODEL_NAME: 'sim-model',
    JUJU_MODEL_UUID: params.modelUuid,
    JUJU_CHARM_DIR: params.charmDir,
    CHARM_DIR: params.charmDir,
    JUJU_VERSION: '3.6.11',
    JUJU_CONTEXT_ID: `${params.unitName}-${params.hookName}-${randomInt(1e12)}`,
    JUJU_MACHINE_ID: '0',
    JUJU_AVAILABILITY_ZONE: '',
    JUJU_PRINCIPAL_UNIT: '',
    DEBIAN_FRONTEND: 'noninteractive',
    APT_LISTCHANGES_FRONTEND: 'none',
    LANG: 'C.UTF-8',
    PATH: `${params.simBinDir ?? SIM_BIN_DIR}:${BASE_PATH}`,
    JUJU_SIM_STATE: params.stateDir,
  };
}

/** Creates a simulated unit for the charm in options.charmDir. */
export async function createSimUnit(options: SimUnitOptions): Promise<SimUnit> {
  const charmDir = resolve(options.charmDir);
  const ownsState = options.stateDir === undefined;
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'juju-sim-'));
  const unitName = 'tinyproxy/0';
  const modelUuid = randomUUID();
  const declared = readConfigOptions(charmDir);
  const defaults: ConfigMap = {};
  for (const [name, opt] of Object.entries(declared ?? {})) {
    if (opt.default !== undefined && opt.default !== null) defaults[name] = opt.default;
  }
  const userSet: ConfigMap = {};
  initSimState(stateDir);

  const writeConfig = (): void => writeConfigState(stateDir, { ...defaults, ...userSet });
  const setConfig = (partial: ConfigMap): void => {
    for (const [name, value] of Object.entries(partial)) {
      if (declared) checkType(name, value, declared[name]);
      userSet[name] = value;
    }
    writeConfig();
  };
  setConfig(options.config ?? {});

  const { machine } = options;
  const inMachine = (hostPath: string): string => {
    if (!machine) return hostPath;
    if (!hostPath.startsWith(`${machine.root}/`)) throw new Error(`juju-sim: ${hostPath} is not inside the machine root ${machine.root}`);
    return hostPath.slice(machine.root.length);
  };
  const runHook = async (hookName: string, opts: RunHookOptions = {}): Promise<HookResult> => {
    const seen = { charmDir: inMachine(charmDir), stateDir: inMachine(stateDir) };
    const simBin = machine ? { simBinDir: machine.simBinDir } : {};
    const env = { ...hookEnvironment({ ...seen, ...simBin, unitName, modelUuid, dispatchPath: `hooks/${hookName}`, hookName }), ...opts.env };
    const first = nextCallIndex(stateDir);
    const argv = [...(opts.wrap ?? []), join(seen.charmDir, 'dispatch')];
    const timeoutMs = opts.timeoutMs ?? 600_000;
    // Every hook starts with no pending port changes (requests left by a run that threw are not its own).
    discardPendingPorts(stateDir);
    beforeHook(stateDir, hookName);
    let result: CommandResult;
    try {
      result = machine ? await machine.exec(argv, { cwd: seen.charmDir, env, timeoutMs }) : await runCommand(argv, { cwd: charmDir, env, timeoutMs });
    } catch (error) {
      discardPendingPorts(stateDir);
      throw error;
    }
    // A signal or the timeout gives a non-zero exitCode (128 + the signal number).
    const failed = result.exitCode !== 0 || result.signal !== null || opts.dropCommit === true;
    if (failed) discardPendingPorts(stateDir);
    else commitPendingPorts(stateDir);
    afterHook(stateDir, hookName, failed);
    return { ...result, calls: readCalls(stateDir, first), env, failed };
  };

  return {
    charmDir,
    stateDir,
    unitName,
    setConfig,
    resetConfig(key: string): void {
      delete userSet[key];
      writeConfig();
    },
    runHook,
    status: () => readCharmStatus(stateDir),
    jujuStatus: () => readJujuStatus(stateDir),
    workloadVersion: () => readWorkloadVersion(stateDir),
    openedPorts: () => readOpenedPorts(stateDir),
    pendingPorts: () => readPendingPorts(stateDir),
    logs: () => readLogs(stateDir),
    calls: () => readCalls(stateDir),
    cleanup(): void {
      if (ownsState) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Runs one hook tool directly against a state directory (for tests of the tools themselves). */
export function runSimTool(stateDir: string | undefined, tool: string, args: readonly string[]): Promise<CommandResult> {
  const env: Record<string, string> = { PATH: `${SIM_BIN_DIR}:${BASE_PATH}`, LANG: 'C.UTF-8' };
  if (stateDir !== undefined) env.JUJU_SIM_STATE = stateDir;
  return runCommand([join(SIM_BIN_DIR, tool), ...args], { env, timeoutMs: 10_000 });
}
