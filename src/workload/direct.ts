import { spawn } from 'node:child_process';
import { chownSync, closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findAccount } from './account.ts';
import { WAIT, type Daemon, type ReloadOutcome } from './daemon.ts';
import { describeHolders, portHolders } from './listeners.ts';
import { findProcesses, isAlive, readProcess, type ProcessInfo } from './procfs.ts';
import { readIfExists } from './files.ts';
import type { TinyproxyPaths } from './paths.ts';
import { acceptsConnections, mapsPath, pollUntil } from './wait.ts';

/** True for a tinyproxy process started with this config file (never trust the pid file). */
export function isOurTinyproxy(info: ProcessInfo, configFile: string): boolean {
  const configIndex = info.argv.indexOf('-c');
  return info.comm === 'tinyproxy' && configIndex >= 0 && info.argv[configIndex + 1] === configFile;
}

const logTail = (logFile: string): string => {
  try {
    return readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return '';
  }
};

const signal = (pid: number, name: NodeJS.Signals): void => {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
};

/** Manages tinyproxy as a bare daemon, for machines whose PID 1 is not systemd. */
export function createDirectDaemon(paths: TinyproxyPaths): Daemon {
  const logFile = join(paths.logDir, 'tinyproxy.log');
  const ours = (info: ProcessInfo): boolean => isOurTinyproxy(info, paths.configFile);
  // The pid file is only a hint (tinyproxy never checks it): trust it after checking /proc,
  // else scan /proc for the process.
  const find = (): ProcessInfo | undefined => {
    const hinted = Number((readIfExists(paths.pidFile) ?? '').trim());
    const candidate = Number.isSafeInteger(hinted) && hinted > 0 ? readProcess(hinted) : undefined;
    if (isAlive(candidate) && ours(candidate)) return candidate;
    return findProcesses(ours, 'tinyproxy')[0];
  };
  const alive = (pid: number): boolean => isAlive(readProcess(pid));

  const prepareFolders = (): void => {
    const account = findAccount(paths.account);
    mkdirSync(paths.runDir, { recursive: true, mode: 0o755 });
    mkdirSync(paths.logDir, { recursive: true, mode: 0o750 });
    // tinyproxy writes its pid file as root, then must delete it as the account at exit.
    if (account) chownSync(paths.runDir, account.uid, account.gid);
  };

  return {
    mode: 'direct',
    mainPid: async () => find()?.pid,
    setUp: async () => prepareFolders(),
    tearDown: async () => undefined,

    async start(port) {
      if (find()) return;
      const holders = portHolders(port);
      if (holders.length > 0) throw new Error(`cannot start tinyproxy: ${describeHolders(port, holders)}`);
      prepareFolders();
      const log = openSync(logFile, 'a', 0o640);
      // -d keeps it in the foreground so the PID is ours and a failed start shows its exit code.
      // The daemon outlives the hook, so it gets raw file descriptors from a plain detached
      // spawn rather than an execa subprocess whose streams and cleanup belong to this process.
      const child = spawn(paths.binary, ['-d', '-c', paths.configFile], { detached: true, stdio: ['ignore', log, log] });
      closeSync(log);
      let spawnError: Error | undefined;
      child.once('error', (error) => (spawnError = error));
      child.unref();
      const pid = child.pid;
      const ready = await pollUntil(
        async () => spawnError !== undefined || child.exitCode !== null || child.signalCode !== null || (pid !== undefined && alive(pid) && (await acceptsConnections(port))),
        WAIT.startMs, WAIT.pollMs,
      );
      if (spawnError) throw new Error(`cannot run ${paths.binary}: ${spawnError.message}`);
      if (child.exitCode !== null || child.signalCode !== null || pid === undefined) {
        throw new Error(`tinyproxy exited (${child.signalCode ?? `code ${child.exitCode ?? 'unknown'}`}) while starting: ${logTail(logFile) || 'no output'}`);
      }
      if (!ready) {
        signal(pid, 'SIGTERM');
        throw new Error(`tinyproxy did not accept connections on port ${port} within ${WAIT.startMs / 1000} s`);
      }
    },

    async reload(port, slug): Promise<ReloadOutcome> {
      const main = find();
      if (!main) throw new Error('cannot reload tinyproxy: it is not running');
      signal(main.pid, 'SIGUSR1');
      const applied = await pollUntil(async () => !alive(main.pid) || (await mapsPath(port, slug)), WAIT.reloadMs, WAIT.pollMs);
      if (!alive(main.pid)) return { pidBefore: main.pid, pidAfter: find()?.pid, crashed: true };
      if (!applied) throw new Error(`tinyproxy did not apply its new config within ${WAIT.reloadMs / 1000} s: ${logTail(logFile) || 'no output'}`);
      return { pidBefore: main.pid, pidAfter: main.pid, crashed: false };
    },

    async stop() {
      const main = find();
      if (!main) return;
      signal(main.pid, 'SIGTERM');
      if (await pollUntil(() => !alive(main.pid), WAIT.stopMs, WAIT.pollMs)) return;
      signal(main.pid, 'SIGKILL');
      if (!(await pollUntil(() => !alive(main.pid), WAIT.killMs, WAIT.pollMs))) {
        throw new Error(`tinyproxy (pid ${main.pid}) was still running after SIGTERM and SIGKILL`);
      }
    },
  };
}
