import { existsSync, statSync, writeFileSync } from 'node:fs';
import { ensureAccount, removeAccount } from './account.ts';
import { aptInstall, aptPurge, packageSpec, TINYPROXY_PINS } from './apt.ts';
import { portFromConfig, renderConfig, slugFromConfig, type ProxySettings } from './config-file.ts';
import type { Daemon, ReloadOutcome } from './daemon.ts';
import { runCommand } from './exec.ts';
import { ensureFileContents, readIfExists, removePath } from './files.ts';
import type { OsRelease } from './os-release.ts';
import { describeHolders, listensOn, portHolders } from './listeners.ts';
import type { TinyproxyPaths } from './paths.ts';
import { mapsPath } from './wait.ts';

export const PACKAGE = 'tinyproxy-bin';

/** The verbs the charm uses on the machine; knows nothing of Juju. */
export interface Workload {
  readonly mode: Daemon['mode'];
  isInstalled(): boolean;
  /** Installs the package and the account, and prepares the daemon. */
  install(): Promise<void>;
  /** The version `tinyproxy -v` prints, e.g. `1.11.1`. */
  version(): Promise<string>;
  /** Writes the config file if its content differs; returns whether it changed. */
  ensureConfig(settings: ProxySettings): boolean;
  isRunning(): Promise<boolean>;
  /** Whether the running tinyproxy maps the slug its config file names, on the port it names. */
  servesConfig(): Promise<boolean>;
  start(): Promise<void>;
  /** Applies a changed config file: SIGUSR1 (same PID), or a restart if the port changed. */
  reload(): Promise<ReloadOutcome>;
  stop(): Promise<void>;
  /** Stops and removes everything install and ensureConfig created. */
  uninstall(): Promise<void>;
}

/** Parses `tinyproxy -v` output (`tinyproxy 1.11.1`). */
export const parseVersion = (stdout: string): string => stdout.trim().replace(/^tinyproxy\s*/, '');

/**
 * Where the workload remembers the last successful serving probe: the probe is an HTTP request
 * to tinyproxy, and while the same process runs the same config file its answer cannot change.
 */
export interface ProbeMemo {
  load(): string | undefined;
  save(fingerprint: string): void;
}

/** A probe memo in a file (e.g. in the charm dir); a missing or unreadable file remembers nothing. */
export function fileProbeMemo(path: string): ProbeMemo {
  return {
    load: () => readIfExists(path)?.trim(),
    save: (fingerprint) => writeFileSync(path, `${fingerprint}\n`, { mode: 0o600 }),
  };
}

/** The real workload: tinyproxy-bin from apt, one config file, a daemon in the given mode. */
export function createTinyproxy(paths: TinyproxyPaths, daemon: Daemon, os: () => OsRelease, memo?: ProbeMemo): Workload {
  // What the config file on disk tells tinyproxy to serve, if it is readable.
  const fromFile = (): { port: number; slug: string } | undefined => {
    const text = readIfExists(paths.configFile) ?? '';
    const port = portFromConfig(text);
    const slug = slugFromConfig(text);
    return port === undefined || slug === undefined ? undefined : { port, slug };
  };
  const configured = (): { port: number; slug: string } => {
    const served = fromFile();
    if (!served) throw new Error(`${paths.configFile} is missing or has no Port or ReversePath line`);
    return served;
  };

  // Both answers are asked several times in one hook (converge, reconcile, status) and cost a
  // /proc look-up or an HTTP request: they are kept until a verb changes what tinyproxy does.
  let servesCache: boolean | undefined;
  // null: looked up, not running; undefined: not looked up yet.
  let pidCache: number | null | undefined;
  const mainPid = async (): Promise<number | undefined> => {
    pidCache ??= (await daemon.mainPid()) ?? null;
    return pidCache ?? undefined;
  };
  const forget = (): void => {
    servesCache = undefined;
    pidCache = undefined;
  };

  return {
    mode: daemon.mode,
    isInstalled: () => existsSync(paths.binary),

    async install() {
      if (!existsSync(paths.binary)) await aptInstall([packageSpec(PACKAGE, os(), TINYPROXY_PINS)]);
      await ensureAccount(paths.account);
      await daemon.setUp();
    },

    version: async () => parseVersion(await runCommand(paths.binary, ['-v'])),

    ensureConfig(settings) {
      servesCache = undefined;
      const content = renderConfig(settings, { user: paths.account, group: paths.account, pidFile: paths.pidFile });
      return ensureFileContents(paths.configFile, content, 0o644);
    },

    isRunning: async () => (await mainPid()) !== undefined,
    async servesConfig() {
      if (servesCache !== undefined) return servesCache;
      const served = fromFile();
      // No readable config: whatever runs is not serving it.
      if (served === undefined) return (servesCache = false);
      // The config file is replaced (new inode) on every write: same process + same file = same answer.
      const pid = await mainPid();
      const file = statSync(paths.configFile, { throwIfNoEntry: false });
      const fingerprint = pid === undefined || !file ? undefined : `${pid}:${file.ino}:${file.mtimeMs}:${file.size}`;
      if (fingerprint !== undefined && memo?.load() === fingerprint) return (servesCache = true);
      servesCache = await mapsPath(served.port, served.slug);
      if (servesCache && fingerprint !== undefined) memo?.save(fingerprint);
      return servesCache;
    },
    async start() {
      forget();
      await daemon.start(configured().port);
    },
    reload: async () => {
      forget();
      const { port, slug } = configured();
      const pid = await daemon.mainPid();
      if (pid === undefined || listensOn(pid, port)) return daemon.reload(port, slug);
      // Check the new port before stopping, so a busy port leaves the proxy serving on the old one.
      const holders = portHolders(port);
      if (holders.length > 0) throw new Error(`cannot move tinyproxy to port ${port}: ${describeHolders(port, holders)}`);
      await daemon.stop();
      await daemon.start(port);
      return { pidBefore: pid, pidAfter: await daemon.mainPid(), crashed: false, restarted: true };
    },
    async stop() {
      forget();
      await daemon.stop();
    },

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
