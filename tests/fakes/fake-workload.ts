import type { ProxySettings } from '../../src/workload/config-file.ts';
import type { ReloadOutcome } from '../../src/workload/daemon.ts';
import type { Workload } from '../../src/workload/tinyproxy.ts';

/** The state a fake machine starts in. */
export interface FakeWorkloadState {
  installed?: boolean;
  running?: boolean;
  settings?: ProxySettings;
  crashOnReload?: boolean;
  failStart?: string;
}

/** A machine in memory: records what the charm did to it, in order. */
export class FakeWorkload implements Workload {
  readonly mode = 'direct' as const;
  installed: boolean;
  running: boolean;
  settings: ProxySettings | undefined;
  pid = 100;
  /** Set to simulate a process that serves an older config than the file says. */
  stale = false;
  /** The port the running process listens on: a reload cannot change it. */
  listeningPort: number | undefined;
  readonly actions: string[] = [];
  readonly crashOnReload: boolean;
  readonly failStart: string | undefined;

  constructor(state: FakeWorkloadState = {}) {
    this.installed = state.installed ?? false;
    this.running = state.running ?? false;
    this.settings = state.settings;
    this.listeningPort = state.running ? state.settings?.port : undefined;
    this.crashOnReload = state.crashOnReload ?? false;
    this.failStart = state.failStart;
  }

  isInstalled = (): boolean => this.installed;

  async install(): Promise<void> {
    this.actions.push('install');
    this.installed = true;
  }

  async version(): Promise<string> {
    if (!this.installed) throw new Error('tinyproxy is not installed');
    return '1.11.1';
  }

  ensureConfig(settings: ProxySettings): boolean {
    const same = this.settings !== undefined && settings.port === this.settings.port && settings.slug === this.settings.slug && settings.upstream === this.settings.upstream;
    if (same) return false;
    this.actions.push('write-config');
    this.settings = { port: settings.port, slug: settings.slug, upstream: settings.upstream };
    return true;
  }

  isRunning = async (): Promise<boolean> => this.running;

  /** The fake serves whatever it last started or reloaded with, unless told it lost track. */
  servesConfig = async (): Promise<boolean> => this.running && !this.stale && this.listeningPort === this.settings?.port;

  async start(): Promise<void> {
    if (!this.settings) throw new Error('no config to start with');
    this.actions.push('start');
    if (this.failStart) throw new Error(this.failStart);
    this.running = true;
    this.stale = false;
    this.listeningPort = this.settings.port;
    this.pid += 1;
  }

  async reload(): Promise<ReloadOutcome> {
    if (!this.running) throw new Error('cannot reload tinyproxy: it is not running');
    const pidBefore = this.pid;
    this.stale = false;
    if (this.listeningPort !== this.settings?.port) {
      this.actions.push('restart');
      this.listeningPort = this.settings?.port;
      this.pid += 1;
      return { pidBefore, pidAfter: this.pid, crashed: false, restarted: true };
    }
    this.actions.push('reload');
    if (this.crashOnReload) this.pid += 1;
    return { pidBefore, pidAfter: this.pid, crashed: this.crashOnReload };
  }

  async stop(): Promise<void> {
    this.actions.push('stop');
    this.running = false;
    this.listeningPort = undefined;
  }

  async uninstall(): Promise<void> {
    this.actions.push('uninstall');
    this.running = false;
    this.installed = false;
    this.settings = undefined;
  }
}
