import { existsSync, readFileSync } from 'node:fs';
import { type Daemon, type ReloadOutcome, WAIT } from './daemon.ts';
import { isOurTinyproxy } from './direct.ts';
import { runCommand } from './exec.ts';
import { ensureFileContents, readHint, removePath } from './files.ts';
import { describeHolders, portHolders } from './listeners.ts';
import type { TinyproxyPaths } from './paths.ts';
import { findProcesses, isAlive, type ProcessInfo, readProcess } from './procfs.ts';
import { renderUnitFile } from './unit-file.ts';
import { acceptsConnections, mapsPath, pollUntil } from './wait.ts';

const CGROUP_ROOTS = ['/sys/fs/cgroup', '/sys/fs/cgroup/unified', '/sys/fs/cgroup/systemd'];

const inUnitCgroup = (pid: number, unitName: string): boolean => {
  try {
    return readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(`/${unitName}`);
  } catch {
    return false;
  }
};

/** Manages tinyproxy as a systemd service the charm writes and owns. */
export function createSystemdDaemon(paths: TinyproxyPaths): Daemon {
  const unit = paths.unitName;
  const systemctl = (...args: string[]) => runCommand('systemctl', args);
  // Reading /proc costs no command: update-status stays cheap.
  const ours = (info: ProcessInfo): boolean => isOurTinyproxy(info, paths.configFile) && inUnitCgroup(info.pid, unit);
  // The unit's cgroup lists its processes (v2 or the v1 name=systemd tree); scan /proc only without it.
  const findMain = (): number | undefined => {
    for (const root of CGROUP_ROOTS) {
      if (!existsSync(`${root}/system.slice`)) continue;
      const listed = readHint(`${root}/system.slice/${unit}/cgroup.procs`, 64 * 1024) ?? '';
      return listed
        .split('\n')
        .filter(Boolean)
        .map(Number)
        .map(readProcess)
        .find((info) => isAlive(info) && ours(info))?.pid;
    }
    return findProcesses(ours, 'tinyproxy')[0]?.pid;
  };
  const alive = (pid: number): boolean => isAlive(readProcess(pid));
  const serving = async (port: number): Promise<number | undefined> => {
    const pid = findMain();
    return pid !== undefined && (await acceptsConnections(port)) ? pid : undefined;
  };
  const failureReport = async (): Promise<string> => {
    const state = await systemctl('show', '--property=ActiveState,SubState,Result,NRestarts', unit).catch(() => '');
    const journal = await runCommand('journalctl', ['--unit', unit, '--lines', '5', '--no-pager', '--output', 'cat']).catch(() => '');
    return `${state.replace(/\n/g, ' ')}${journal ? `; journal: ${journal.trim().replace(/\n/g, ' | ')}` : ''}`;
  };

  const waitServing = async (port: number, what: string): Promise<void> => {
    if (!(await pollUntil(async () => (await serving(port)) !== undefined, WAIT.startMs, WAIT.pollMs))) {
      throw new Error(`tinyproxy did not accept connections on port ${port} within ${WAIT.startMs / 1000} s after ${what}: ${await failureReport()}`);
    }
  };

  return {
    mode: 'systemd',
    pidFile: undefined,
    mainPid: async () => findMain(),
    // The journal keeps the log, and journald bounds it.
    rotateLogs: () => undefined,

    async setUp() {
      if (!ensureFileContents(paths.unitFile, renderUnitFile(paths), 0o644)) return false;
      await systemctl('daemon-reload');
      return true;
    },

    async tearDown() {
      await systemctl('disable', '--now', unit).catch(() => '');
      await systemctl('reset-failed', unit).catch(() => '');
      removePath(paths.unitFile);
      await systemctl('daemon-reload');
    },

    async start(port) {
      if (findMain() !== undefined) return;
      const holders = portHolders(port);
      if (holders.length > 0) throw new Error(`cannot start tinyproxy: ${describeHolders(port, holders)}`);
      // A unit that failed too often refuses to start until its failure count is reset.
      await systemctl('reset-failed', unit).catch(() => '');
      // Enabled only while it should run: a reboot after a stop on purpose must not bring it back.
      await systemctl('enable', '--now', unit);
      await waitServing(port, 'systemctl enable --now');
    },

    async restart(port) {
      const before = findMain();
      await systemctl('reset-failed', unit).catch(() => '');
      // systemd follows SIGTERM with SIGCONT, so a stopped (SIGSTOP) process exits too.
      await systemctl('restart', unit);
      if (before !== undefined && !(await pollUntil(() => !alive(before), WAIT.stopMs, WAIT.pollMs))) {
        throw new Error(`tinyproxy (pid ${before}) was still running after systemctl restart`);
      }
      await waitServing(port, 'systemctl restart');
    },

    async reload(port, slug): Promise<ReloadOutcome> {
      const before = findMain();
      if (before === undefined) throw new Error('cannot reload tinyproxy: it is not running');
      await systemctl('reload', unit);
      const applied = await pollUntil(async () => !alive(before) || (await mapsPath(port, slug)), WAIT.reloadMs, WAIT.pollMs);
      if (alive(before)) return { pidBefore: before, pidAfter: before, crashed: false, applied };
      // It crashed on the reload: systemd restarts it; wait for the new process to serve.
      const back = await pollUntil(async () => (await serving(port)) !== undefined && (await mapsPath(port, slug)), WAIT.startMs, WAIT.pollMs);
      return { pidBefore: before, pidAfter: findMain(), crashed: true, applied: back };
    },

    async stop() {
      await systemctl('disable', '--now', unit);
      const pid = findMain();
      if (pid !== undefined && !(await pollUntil(() => !alive(pid), WAIT.stopMs, WAIT.pollMs))) {
        throw new Error(`tinyproxy (pid ${pid}) was still running after systemctl stop`);
      }
    },
  };
}
