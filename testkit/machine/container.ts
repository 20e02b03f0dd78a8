// Boots a real systemd machine (systemd-nspawn on an overlay of the cached rootfs) and runs commands in it.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rmdir, stat, writeFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { pollUntil, settlesWithin, type Verdict, WaitError } from '../poll.ts';
import { mustRun, runCommand, tail } from '../process.ts';
import { childrenOf } from '../procfs.ts';
import { cgroupPids, createMachineCgroups, killMachineCgroups, machineCgroupDirs, removeMachineCgroups, removeRootNspawnDebris } from './cgroup.ts';
import { cleanNspawnRunDir, removeTree, unmount } from './cleanup.ts';
import { hostToolEnv } from './prereq.ts';

export { missingMachinePrerequisites } from './prereq.ts';
export { ensureRootfs, type Rootfs } from './rootfs.ts';

/** Parent of every machine's state dir (overlay upper/work, mount point, nspawn log). */
const MACHINES_DIR = '/var/tmp/tinyproxy-charm-machines';

/** Environment every {@link Machine.exec} starts from (the host env never leaks in). */
const DEFAULT_EXEC_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  LANG: 'C.UTF-8',
};

/** Options for {@link bootMachine}. */
export interface BootOptions {
  /** Directory of a pristine rootfs (e.g. from ensureRootfs); used read-only as the overlay's lower layer. */
  rootfs: string;
  /** Machine name: hostname inside, and the key of its host state (lower-case letters, digits, '-'). */
  name: string;
  /** Give the machine only a loopback interface (default: share the host network, so apt works). */
  privateNetwork?: boolean;
  /** Bound for reaching running/degraded; default 90 s. */
  bootTimeoutMs?: number;
}

/** Options for {@link Machine.exec}. */
export interface ExecOptions {
  /** Standard input for the command. */
  input?: string | Buffer;
  /** Variables set on top of DEFAULT_EXEC_ENV (the only environment the command sees). */
  env?: Readonly<Record<string, string>>;
  /** Working directory inside the machine; default '/'. */
  cwd?: string;
  /** Default 120 s; on timeout the command is SIGKILLed and exec throws. */
  timeoutMs?: number;
}

/** Outcome of a command run in the machine. */
export interface ExecResult {
  /** 128 + signal number when killed by a signal. */
  exitCode: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Timings (ms) of the last boot and poweroff. */
export interface MachineTimings {
  bootMs: number;
  poweroffMs: number;
}

const NAME_RE = /^[a-z0-9][a-z0-9-]{0,39}$/;
const ENV_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Moves itself into the given cgroup.procs files, then execs the rest of its argv (no value is parsed by sh).
const CGROUP_EXEC_SH = 'for f; do [ "$f" = -- ] && break; echo $$ > "$f" || exit 125; shift; done; shift; exec "$@"';

/** A booted (or powered-off) systemd machine; get one from {@link bootMachine}. */
export class Machine {
  /** Host path of the machine's root directory (the overlay mount point). */
  readonly rootDir: string;
  /** Host path of the nspawn console log (appended across boots). */
  readonly logPath: string;
  /** Timings of the last boot/poweroff. */
  readonly timings: MachineTimings = { bootMs: 0, poweroffMs: 0 };
  private nspawn: ChildProcess | undefined;
  private nspawnExit: Promise<void> | undefined;
  private leader: number | undefined;
  private destroyed = false;

  /** Use {@link bootMachine}. */
  constructor(
    readonly name: string,
    readonly stateDir: string,
    private readonly opts: BootOptions,
  ) {
    this.rootDir = `${stateDir}/root`;
    this.logPath = `${stateDir}/nspawn.log`;
  }

  /** Host PID of the machine's PID 1 (systemd); throws when not running. */
  get leaderPid(): number {
    if (this.leader === undefined) throw new Error(`machine ${this.name} is not running`);
    return this.leader;
  }

  /** True while systemd-nspawn runs. */
  get running(): boolean {
    return this.nspawn !== undefined;
  }

  /** Boots the machine on its (persistent) root and waits for running/degraded. */
  async boot(): Promise<void> {
    if (this.destroyed) throw new Error(`machine ${this.name} was destroyed`);
    if (this.nspawn !== undefined) throw new Error(`machine ${this.name} is already running`);
    const start = Date.now();
    const procsFiles = (await createMachineCgroups(this.name)).map((d) => `${d}/cgroup.procs`);
    const nspawnArgs = [
      '-D',
      this.rootDir,
      '-b',
      '-M',
      this.name,
      '--register=no',
      '--keep-unit',
      '--console=passive',
      '--link-journal=no',
      '--resolv-conf=copy-host',
      ...(this.opts.privateNetwork === true ? ['--private-network'] : []),
    ];
    const log = openSync(this.logPath, 'a');
    let child: ChildProcess;
    try {
      child = spawn('sh', ['-c', CGROUP_EXEC_SH, 'sh', ...procsFiles, '--', 'systemd-nspawn', ...nspawnArgs], {
        detached: true,
        stdio: ['ignore', log, log],
        env: hostToolEnv(),
      });
    } finally {
      closeSync(log);
    }
    child.unref();
    this.nspawn = child;
    this.nspawnExit = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    void this.nspawnExit.then(() => {
      if (this.nspawn === child) {
        this.nspawn = undefined;
        this.leader = undefined;
      }
    });
    try {
      this.leader = await this.waitForLeader(child, start + (this.opts.bootTimeoutMs ?? 90_000));
      await this.waitForSystemRunning(start + (this.opts.bootTimeoutMs ?? 90_000));
    } catch (e) {
      await this.kill();
      throw e;
    }
    this.timings.bootMs = Date.now() - start;
  }

  /** Cleanly shuts the machine down (SIGTERM to nspawn = poweroff) and waits, bounded, for nspawn to exit. */
  async poweroff(timeoutMs = 60_000): Promise<void> {
    const child = this.nspawn;
    if (child === undefined || child.pid === undefined) return;
    const start = Date.now();
    child.kill('SIGTERM');
    if (!(await settlesWithin(this.nspawnExit ?? Promise.resolve(), timeoutMs))) {
      await this.kill();
      throw new Error(`machine ${this.name} did not power off within ${timeoutMs} ms (killed)\n${await this.logTail()}`);
    }
    await this.afterExit();
    this.timings.poweroffMs = Date.now() - start;
  }

  /** Powers off and boots again on the same root (state persists). */
  async reboot(): Promise<void> {
    await this.poweroff();
    await this.boot();
  }

  /** Kills the machine, unmounts and removes its root and all host debris; safe to call twice. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    await this.kill();
    await destroyMachineState(this.name);
  }

  /** Runs argv in the machine (all its namespaces) with a clean env; never through a shell. */
  async exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const cmd = argv[0];
    if (cmd === undefined || cmd === '' || cmd.includes('=')) throw new Error(`bad argv[0]: ${JSON.stringify(cmd)}`);
    const env = { ...DEFAULT_EXEC_ENV, ...opts.env };
    const assignments = Object.entries(env).map(([k, v]) => {
      if (!ENV_KEY_RE.test(k)) throw new Error(`bad environment variable name: ${JSON.stringify(k)}`);
      return `${k}=${v}`;
    });
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const r = await runCommand(['nsenter', '-t', String(this.leaderPid), '-a', 'env', '-i', '-C', opts.cwd ?? '/', ...assignments, ...argv], {
      ...(opts.input !== undefined ? { input: opts.input } : {}),
      timeoutMs,
      // An orphan of nsenter is reparented to the host's PID 1, which may leave it a zombie that stalls the machine's shutdown.
      killLeaderLast: true,
      env: hostToolEnv(),
    });
    if (r.timedOut) {
      throw new Error(`${argv.join(' ')} timed out after ${timeoutMs} ms in ${this.name}\n${tail(r.stdout)}\n${tail(r.stderr)}`);
    }
    return { exitCode: r.exitCode, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  }

  /** Like exec, but returns stdout and throws (with stderr) on a non-zero exit. */
  async run(argv: readonly string[], opts: ExecOptions = {}): Promise<string> {
    const r = await this.exec(argv, opts);
    if (r.exitCode !== 0) {
      throw new Error(`${argv.join(' ')} exited ${r.signal ?? r.exitCode} in ${this.name}\n${tail(r.stderr || r.stdout)}`);
    }
    return r.stdout;
  }

  /** Writes `content` to an absolute path in the machine (parents created, owner root). */
  async writeFile(containerPath: string, content: string | Buffer, mode = 0o644): Promise<void> {
    assertAbsolute(containerPath);
    // dd reads fd 0 itself: opening /dev/stdin fails (ENXIO) when stdin is a socket, as Node's pipes are.
    await this.run(['mkdir', '-p', '--', posix.dirname(containerPath)]);
    await this.run(['dd', `of=${containerPath}`, 'status=none'], { input: content });
    await this.run(['chmod', mode.toString(8), '--', containerPath]);
  }

  /** Copies a host file or directory tree to an absolute path in the machine (modes kept, owner root). */
  async copyIn(hostPath: string, containerPath: string): Promise<void> {
    assertAbsolute(containerPath);
    const st = await stat(hostPath);
    if (st.isFile()) {
      await this.writeFile(containerPath, await readFile(hostPath), st.mode & 0o7777);
      return;
    }
    if (!st.isDirectory()) throw new Error(`copyIn: ${hostPath} is neither a file nor a directory`);
    await this.run(['mkdir', '-p', containerPath]);
    const tar = spawn('tar', ['-C', hostPath, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const tarDone = new Promise<number | null>((resolve, reject) => {
      tar.once('error', reject);
      tar.once('close', (code) => resolve(code));
    });
    let tarErr = '';
    tar.stderr.on('data', (c: Buffer) => (tarErr += c.toString()));
    const r = await runCommand(['nsenter', '-t', String(this.leaderPid), '-a', 'tar', '-x', '-f', '-', '--no-same-owner', '-C', containerPath], {
      input: tar.stdout,
      timeoutMs: 300_000,
      killLeaderLast: true,
      env: hostToolEnv(),
    });
    const tarCode = await tarDone;
    if (tarCode !== 0) throw new Error(`copyIn: host tar of ${hostPath} exited ${tarCode}\n${tail(tarErr)}`);
    if (r.exitCode !== 0 || r.timedOut) throw new Error(`copyIn: tar -x into ${containerPath} failed\n${tail(r.stderr)}`);
  }

  /** Last lines of the nspawn console log (for error messages). */
  async logTail(lines = 40): Promise<string> {
    return tail(await readFile(this.logPath, 'utf8').catch(() => ''), lines);
  }

  /** SIGKILLs nspawn and everything in the machine, then drops the per-boot host debris. */
  private async kill(): Promise<void> {
    const child = this.nspawn;
    await killMachineCgroups(this.name);
    if (child !== undefined) await settlesWithin(this.nspawnExit ?? Promise.resolve(), 10_000);
    this.nspawn = undefined;
    this.leader = undefined;
    await this.afterExit();
  }

  /** After nspawn exited: remove its per-boot cgroups and /run/systemd/nspawn leftovers. */
  private async afterExit(): Promise<void> {
    await killMachineCgroups(this.name);
    await removeMachineCgroups(this.name);
    await cleanNspawnRunDir(this.name);
  }

  private async waitForLeader(child: ChildProcess, deadline: number): Promise<number> {
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start systemd-nspawn for ${this.name}`);
    return this.bootStep(`machine ${this.name}: a systemd PID 1`, deadline, 20, () => {
      if (this.nspawn !== child) return { state: 'failed', reason: 'systemd-nspawn exited during boot' };
      const leader = childrenOf(pid).find((c) => c.comm === 'systemd');
      return leader !== undefined ? { state: 'ready', value: leader.pid } : { state: 'waiting', reason: 'no systemd child of systemd-nspawn yet' };
    });
  }

  /** Polls a boot step until `deadline`; a failure carries the end of the console log. */
  private async bootStep<T>(what: string, deadline: number, intervalMs: number, probe: () => Promise<Verdict<T>> | Verdict<T>): Promise<T> {
    try {
      return await pollUntil(probe, { what, timeoutMs: Math.max(0, deadline - Date.now()), intervalMs });
    } catch (e) {
      if (e instanceof WaitError) throw new Error(`${e.message}\n${await this.logTail()}`);
      throw e;
    }
  }

  private async waitForSystemRunning(deadline: number): Promise<void> {
    await this.bootStep(`machine ${this.name}: systemd running or degraded`, deadline, 50, async () => {
      if (this.nspawn === undefined) return { state: 'failed', reason: 'systemd-nspawn exited during boot' };
      const r = await runCommand(['nsenter', '-t', String(this.leaderPid), '-a', 'systemctl', 'is-system-running'], {
        timeoutMs: 10_000,
        env: hostToolEnv(),
      });
      const state = r.stdout.trim();
      return state === 'running' || state === 'degraded' ? { state: 'ready', value: undefined } : { state: 'waiting', reason: `state ${state || '?'}` };
    });
  }
}

/** Boots a fresh machine: cleans any stale machine of that name, overlays the rootfs, starts nspawn. */
export async function bootMachine(opts: BootOptions): Promise<Machine> {
  if (!NAME_RE.test(opts.name)) throw new Error(`bad machine name ${JSON.stringify(opts.name)} (want ${String(NAME_RE)})`);
  await stat(`${opts.rootfs}/usr/lib/systemd/systemd`).catch(() => {
    throw new Error(`${opts.rootfs} is not a rootfs with systemd`);
  });
  await destroyMachineState(opts.name);
  await removeRootNspawnDebris();
  const stateDir = `${MACHINES_DIR}/${opts.name}`;
  for (const d of ['upper', 'work', 'root']) await mkdir(`${stateDir}/${d}`, { recursive: true });
  await mustRun(['mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${opts.rootfs},upperdir=${stateDir}/upper,workdir=${stateDir}/work`, `${stateDir}/root`], {
    env: hostToolEnv(),
    timeoutMs: 30_000,
  });
  // debootstrap copied the build host's /etc/hostname; the machine is named like Juju names machines.
  await writeFile(`${stateDir}/root/etc/hostname`, `${opts.name}\n`);
  const machine = new Machine(opts.name, stateDir, opts);
  try {
    await machine.boot();
  } catch (e) {
    await machine.destroy();
    throw e;
  }
  return machine;
}

/**
 * Removes every host trace of machine `name`, also one left by a crashed earlier run: kills its
 * processes (by cgroup), unmounts and deletes its state dir, removes its cgroups and nspawn run files.
 */
export async function destroyMachineState(name: string): Promise<void> {
  if (!NAME_RE.test(name)) throw new Error(`bad machine name ${JSON.stringify(name)}`);
  await killMachineCgroups(name);
  const stateDir = `${MACHINES_DIR}/${name}`;
  await unmount(stateDir);
  await removeTree(stateDir);
  await removeMachineCgroups(name);
  await cleanNspawnRunDir(name);
  await rmdir(MACHINES_DIR).catch(() => undefined);
}

/** What is left on the host for machine `name` (empty when clean): processes, dirs, cgroups, mounts. */
export async function machineLeftovers(name: string): Promise<string[]> {
  const left: string[] = [];
  for (const d of await machineCgroupDirs(name)) {
    if (await exists(d)) left.push(`cgroup ${d} (pids: ${(await cgroupPids(d)).join(' ')})`);
  }
  const stateDir = `${MACHINES_DIR}/${name}`;
  if (await exists(stateDir)) left.push(`dir ${stateDir}`);
  for (const p of [`/run/systemd/nspawn/propagate/${name}`, `/run/systemd/nspawn/unix-export/${name}`]) {
    if (await exists(p)) left.push(`dir ${p}`);
  }
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  if (mounts.includes(` ${stateDir}/`)) left.push(`mount under ${stateDir}`);
  const ps = await runCommand(['ps', '-eo', 'pid=,args='], { timeoutMs: 10_000 });
  for (const line of ps.stdout.split('\n')) {
    if (line.includes('systemd-nspawn') && line.includes(` -M ${name} `)) left.push(`process ${line.trim()}`);
  }
  return left;
}

function assertAbsolute(p: string): void {
  if (!p.startsWith('/') || posix.dirname(p) === p) throw new Error(`container path must be absolute and not '/': ${p}`);
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}
