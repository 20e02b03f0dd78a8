import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { join } from 'node:path';
import { findAccount } from './account.ts';
import { type Daemon, type ReloadOutcome, WAIT } from './daemon.ts';
import { ensureFolder, readHint, removePath } from './files.ts';
import { describeHolders, portHolders } from './listeners.ts';
import { logTail, openLogForAppend, rotateLog } from './log-file.ts';
import type { TinyproxyPaths } from './paths.ts';
import { findProcesses, isAlive, type ProcessInfo, readProcess } from './procfs.ts';
import { acceptsConnections, mapsPath, pollUntil } from './wait.ts';

/** True for a tinyproxy process started with this config file (never trust the pid file). */
export function isOurTinyproxy(info: ProcessInfo, configFile: string): boolean {
  const configIndex = info.argv.indexOf('-c');
  return info.comm === 'tinyproxy' && configIndex >= 0 && info.argv[configIndex + 1] === configFile;
}

/** Sends a signal; a process that is already gone is not an error. */
const signal = (pid: number, name: NodeJS.Signals): void => {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
};

const oneLine = (text: string): string => text.trim().split('\n').slice(-3).join(' | ');

/** Manages tinyproxy as a bare daemon, for machines whose PID 1 is not systemd. */
export function createDirectDaemon(paths: TinyproxyPaths): Daemon {
  const logFile = join(paths.logDir, 'tinyproxy.log');
  const ours = (info: ProcessInfo): boolean => isOurTinyproxy(info, paths.configFile);
  // The pid file belongs to the tinyproxy account: a hint, read without following links or
  // blocking, and checked against /proc; without a good hint, scan /proc for the process.
  const find = (): ProcessInfo | undefined => {
    const hinted = Number((readHint(paths.pidFile, 32) ?? '').trim());
    const candidate = Number.isSafeInteger(hinted) && hinted > 0 ? readProcess(hinted) : undefined;
    if (isAlive(candidate) && ours(candidate)) return candidate;
    return findProcesses(ours, 'tinyproxy')[0];
  };
  const alive = (pid: number): boolean => isAlive(readProcess(pid));

  const prepareFolders = (): void => {
    const account = findAccount(paths.account);
    // tinyproxy writes its pid file as root, then must delete it as the account at exit.
    ensureFolder(paths.runDir, 0o755, account);
    // The charm writes the log (tinyproxy's stdout): the folder is root's.
    ensureFolder(paths.logDir, 0o750);
  };

  const stop = async (): Promise<void> => {
    const main = find();
    if (!main) return;
    // SIGCONT after SIGTERM, as systemd does: a stopped (SIGSTOP) process must wake up to die.
    signal(main.pid, 'SIGTERM');
    signal(main.pid, 'SIGCONT');
    if (await pollUntil(() => !alive(main.pid), WAIT.stopMs, WAIT.pollMs)) return;
    signal(main.pid, 'SIGKILL');
    if (!(await pollUntil(() => !alive(main.pid), WAIT.killMs, WAIT.pollMs))) {
      throw new Error(`tinyproxy (pid ${main.pid}) was still running after SIGTERM and SIGKILL`);
    }
  };

  const start = async (port: number): Promise<void> => {
    if (find()) return;
    const holders = portHolders(port);
    if (holders.length > 0) throw new Error(`cannot start tinyproxy: ${describeHolders(port, holders)}`);
    prepareFolders();
    // tinyproxy exits 71 when anything (a link, a FIFO, a folder) is at its pid file path.
    removePath(paths.pidFile);
    const log = openLogForAppend(logFile);
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
      WAIT.startMs,
      WAIT.pollMs,
    );
    if (spawnError) throw new Error(`cannot run ${paths.binary}: ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null || pid === undefined) {
      throw new Error(`tinyproxy exited (${child.signalCode ?? `code ${child.exitCode ?? 'unknown'}`}) while starting: ${oneLine(logTail(logFile)) || 'no output'}`);
    }
    if (!ready) {
      signal(pid, 'SIGTERM');
      throw new Error(`tinyproxy did not accept connections on port ${port} within ${WAIT.startMs / 1000} s`);
    }
  };

  return {
    mode: 'direct',
    pidFile: paths.pidFile,
    mainPid: async () => find()?.pid,
    setUp: async () => {
      prepareFolders();
      return false;
    },
    tearDown: async () => undefined,
    rotateLogs: () => void rotateLog(logFile),
    start,
    stop,

    async restart(port) {
      await stop();
      await start(port);
    },

    async reload(port, slug): Promise<ReloadOutcome> {
      const main = find();
      if (!main) throw new Error('cannot reload tinyproxy: it is not running');
      signal(main.pid, 'SIGUSR1');
      const applied = await pollUntil(async () => !alive(main.pid) || (await mapsPath(port, slug)), WAIT.reloadMs, WAIT.pollMs);
      if (!alive(main.pid)) return { pidBefore: main.pid, pidAfter: find()?.pid, crashed: true, applied: false };
      return { pidBefore: main.pid, pidAfter: main.pid, crashed: false, applied };
    },
  };
}
