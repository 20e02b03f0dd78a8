import { existsSync } from 'node:fs';
import { ensureAccount, removeAccount } from './account.ts';
import { aptInstall, aptPurge, packageSpec, TINYPROXY_PINS } from './apt.ts';
import { type ProxySettings, portFromConfig, renderConfig, slugFromConfig } from './config-file.ts';
import type { Daemon, ReloadOutcome } from './daemon.ts';
import { runCommand } from './exec.ts';
import { ensureFileContents, readHint, removePath } from './files.ts';
import type { OsRelease } from './os-release.ts';
import type { TinyproxyPaths } from './paths.ts';
import { checkServing, type Served, type ServingCheck } from './serving.ts';

export type { Served, ServingCheck } from './serving.ts';

export const PACKAGE = 'tinyproxy-bin';

// The charm's config file is a few hundred bytes; tinyproxy reads lines of at most 2047.
const CONFIG_READ_MAX = 64 * 1024;

/** The verbs the charm uses on the machine; knows nothing of Juju. */
export interface Workload {
  readonly mode: Daemon['mode'];
  isInstalled(): boolean;
  /** Installs the package and the account, and prepares the daemon (restarting it if its definition changed). */
  install(): Promise<void>;
  /** The version `tinyproxy -v` prints, e.g. `1.11.1`. */
  version(): Promise<string>;
  /** Writes the config file if its content differs; returns whether it changed. */
  ensureConfig(settings: ProxySettings): boolean;
  /** The port the config file on disk names, if there is one. */
  configuredPort(): number | undefined;
  isRunning(): Promise<boolean>;
  /** Whether our tinyproxy serves `/<slug>/` on `port` now (asked of the process itself, every hook). */
  check(expected: Served): Promise<ServingCheck>;
  /** Starts the check of what the config file names, so that it runs while the hook waits for Juju. */
  startCheck(): void;
  /** Starts tinyproxy with the config file and waits until it accepts connections. */
  start(): Promise<void>;
  /** Applies a changed config file with SIGUSR1 (same PID); cannot move it to another port. */
  reload(): Promise<ReloadOutcome>;
  /** Stops and starts tinyproxy: for a new port, or a process that is stopped or does not answer. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** Keeps tinyproxy's own log bounded. */
  rotateLogs(): void;
  /** Stops and removes everything install and ensureConfig created. */
  uninstall(): Promise<void>;
}

/** Parses `tinyproxy -v` output (`tinyproxy 1.11.1`). */
export const parseVersion = (stdout: string): string => stdout.trim().replace(/^tinyproxy\s*/, '');

/** The real workload: tinyproxy-bin from apt, one config file, a daemon in the given mode. */
export function createTinyproxy(paths: TinyproxyPaths, daemon: Daemon, os: () => OsRelease): Workload {
  // What the config file on disk tells tinyproxy to serve, if it is a readable file naming both.
  const fromFile = (): Served | undefined => {
    const text = readHint(paths.configFile, CONFIG_READ_MAX) ?? '';
    const port = portFromConfig(text);
    const slug = slugFromConfig(text);
    return port === undefined || slug === undefined ? undefined : { port, slug };
  };
  const configured = (): Served => {
    const served = fromFile();
    if (!served) throw new Error(`${paths.configFile} is missing or has no Port or ReversePath line`);
    return served;
  };

  // Asked several times in one hook (reconcile, then status): kept until a verb changes what
  // tinyproxy does. Never kept across hooks: a process can stop answering at any time.
  let pidCache: number | null | undefined;
  const checks = new Map<string, Promise<ServingCheck>>();
  const mainPid = async (): Promise<number | undefined> => {
    pidCache ??= (await daemon.mainPid()) ?? null;
    return pidCache ?? undefined;
  };
  const forget = (): void => {
    pidCache = undefined;
    checks.clear();
  };
  // One check per port and slug until a verb changes the process: started early, asked late.
  const check = (expected: Served): Promise<ServingCheck> => {
    const key = `${expected.port} ${expected.slug}`;
    let found = checks.get(key);
    if (!found) {
      found = mainPid().then((pid) => checkServing(pid, expected));
      checks.set(key, found);
    }
    return found;
  };
  const restart = async (): Promise<void> => {
    forget();
    await daemon.restart(configured().port);
  };

  return {
    mode: daemon.mode,
    isInstalled: () => existsSync(paths.binary),

    async install() {
      if (!existsSync(paths.binary)) await aptInstall([packageSpec(PACKAGE, os(), TINYPROXY_PINS)]);
      await ensureAccount(paths.account);
      // A new service definition takes effect only on a restart: apply it now, not at the next crash.
      if ((await daemon.setUp()) && (await mainPid()) !== undefined) await restart();
    },

    version: async () => parseVersion(await runCommand(paths.binary, ['-v'])),

    ensureConfig(settings) {
      const content = renderConfig(settings, { user: paths.account, group: paths.account, pidFile: daemon.pidFile });
      return ensureFileContents(paths.configFile, content, 0o644);
    },

    configuredPort: () => fromFile()?.port,
    isRunning: async () => (await mainPid()) !== undefined,

    check,
    startCheck() {
      const served = fromFile();
      // Handled here: a check nobody asks for must not become an unhandled rejection.
      if (served) check(served).catch(() => undefined);
    },

    async start() {
      forget();
      await daemon.start(configured().port);
    },
    async reload() {
      forget();
      const { port, slug } = configured();
      return daemon.reload(port, slug);
    },
    restart,
    async stop() {
      forget();
      await daemon.stop();
    },
    rotateLogs: () => daemon.rotateLogs(),

    async uninstall() {
      forget();
      await daemon.stop();
      await daemon.tearDown();
      if (existsSync(paths.binary)) await aptPurge([PACKAGE]);
      for (const path of [paths.configDir, paths.runDir, paths.logDir]) removePath(path);
      await removeAccount(paths.account);
    },
  };
}
