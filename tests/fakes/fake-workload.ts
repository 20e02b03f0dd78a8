import type { ProxySettings } from '../../src/workload/config-file.ts';
import type { ReloadOutcome } from '../../src/workload/daemon.ts';
import type { Served, ServingCheck, Workload } from '../../src/workload/tinyproxy.ts';

/** A running tinyproxy: what it listens on and maps, and whether it answers at all. */
export interface FakeProcess {
  readonly pid: number;
  readonly port: number;
  readonly slug: string;
  readonly upstream: string;
  /** Stopped with SIGSTOP: it keeps its PID and answers nothing. */
  readonly stopped?: boolean;
}

/** Another program listening on a port. */
interface FakeStranger {
  readonly port: number;
  readonly pid: number;
  readonly comm: string;
}

/** The state of a fake machine, in and out. */
export interface FakeMachine {
  /** How tinyproxy runs: under systemd (which restarts it when it crashes) or as a bare daemon (the default). */
  mode?: Workload['mode'];
  installed?: boolean;
  /** What the config file on disk says. */
  file?: ProxySettings | undefined;
  process?: FakeProcess | undefined;
  stranger?: FakeStranger | undefined;
  /** The service definition changed since the process started (systemd: a new unit file). */
  definitionChanged?: boolean;
  crashOnReload?: boolean;
  failStart?: string | undefined;
}

/** The machine a charm finds after a tinyproxy started with `settings` (PID 100). */
export const servingMachine = (settings: ProxySettings): FakeMachine => ({
  installed: true,
  file: settings,
  process: { pid: 100, ...settings },
});

/** A machine in memory with real state: the config file, the process and what it serves. */
export class FakeWorkload implements Workload {
  readonly mode: Workload['mode'];
  machine: FakeMachine;
  /** Counts of what happened to the process, as a real machine's logs would show. */
  reloads = 0;
  restarts = 0;
  starts = 0;
  logRotations = 0;
  private nextPid: number;

  constructor(machine: FakeMachine = {}) {
    this.machine = { ...machine };
    this.mode = machine.mode ?? 'direct';
    this.nextPid = (machine.process?.pid ?? 100) + 1;
  }

  get process(): FakeProcess | undefined {
    return this.machine.process;
  }
  get file(): ProxySettings | undefined {
    return this.machine.file;
  }

  isInstalled = (): boolean => this.machine.installed === true;

  async install(): Promise<void> {
    this.machine.installed = true;
    if (this.machine.definitionChanged && this.machine.process) await this.restart();
    this.machine.definitionChanged = false;
  }

  async version(): Promise<string> {
    if (!this.machine.installed) throw new Error('tinyproxy is not installed');
    return '1.11.1';
  }

  ensureConfig(settings: ProxySettings): boolean {
    const file = this.machine.file;
    if (file && file.port === settings.port && file.slug === settings.slug && file.upstream === settings.upstream) return false;
    this.machine.file = { port: settings.port, slug: settings.slug, upstream: settings.upstream };
    return true;
  }

  configuredPort = (): number | undefined => this.machine.file?.port;
  isRunning = async (): Promise<boolean> => this.machine.process !== undefined;

  async check({ port, slug }: Served): Promise<ServingCheck> {
    const { process, stranger } = this.machine;
    if (stranger?.port === port) return { state: 'port-taken', holders: `${stranger.comm} (pid ${stranger.pid})` };
    if (!process) return { state: 'stopped' };
    if (process.port !== port) return { state: 'faulty', fault: 'not-listening', reason: `it does not listen on port ${port}` };
    if (process.stopped) return { state: 'faulty', fault: 'unresponsive', reason: 'it is stopped (process state T)' };
    if (process.slug !== slug) return { state: 'faulty', fault: 'unmapped', reason: `it does not map /${slug}/` };
    return { state: 'serving' };
  }

  /** The fake's check is instant and reads only its state: nothing to start early. */
  startCheck(): void {}

  async start(): Promise<void> {
    const file = this.machine.file;
    if (!file) throw new Error('no config file to start with');
    if (this.machine.process) return;
    if (this.machine.failStart) throw new Error(this.machine.failStart);
    if (this.machine.stranger?.port === file.port) throw new Error(`cannot start tinyproxy: port ${file.port} is already in use`);
    this.starts += 1;
    this.machine.process = { pid: this.nextPid++, ...file };
  }

  /**
   * SIGUSR1: the same process re-reads the file, but keeps its port; a stopped one does nothing.
   * One that crashes stays down, unless systemd runs it: then a new process serves the file.
   */
  async reload(): Promise<ReloadOutcome> {
    const { process, file } = this.machine;
    if (!process || !file) throw new Error('cannot reload tinyproxy: it is not running');
    this.reloads += 1;
    if (this.machine.crashOnReload) {
      this.machine.process = this.mode === 'systemd' ? { pid: this.nextPid++, ...file } : undefined;
      return { pidBefore: process.pid, pidAfter: this.machine.process?.pid, crashed: true, applied: this.machine.process !== undefined };
    }
    if (process.stopped) return { pidBefore: process.pid, pidAfter: process.pid, crashed: false, applied: false };
    this.machine.process = { ...process, slug: file.slug, upstream: file.upstream };
    return { pidBefore: process.pid, pidAfter: process.pid, crashed: false, applied: true };
  }

  async restart(): Promise<void> {
    this.restarts += 1;
    this.machine.process = undefined;
    await this.start();
    this.starts -= 1;
  }

  async stop(): Promise<void> {
    this.machine.process = undefined;
  }

  rotateLogs(): void {
    this.logRotations += 1;
  }

  async uninstall(): Promise<void> {
    this.machine = {};
  }
}
