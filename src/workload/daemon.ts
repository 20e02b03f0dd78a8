/** What a reload did: whether the same process survived it. */
export interface ReloadOutcome {
  readonly pidBefore: number;
  readonly pidAfter: number | undefined;
  /** Set when tinyproxy died during the reload (a known tinyproxy 1.11.1 crash). */
  readonly crashed: boolean;
  /** Set when the process mapped the new slug within the wait. */
  readonly applied: boolean;
}

/** Runs the tinyproxy process: directly, or as a systemd service. */
export interface Daemon {
  readonly mode: 'systemd' | 'direct';
  /** The pid file tinyproxy writes, if this mode needs one (systemd tracks the main PID itself). */
  readonly pidFile: string | undefined;
  /** The live main process ID, or undefined when tinyproxy is not running. */
  mainPid(): Promise<number | undefined>;
  /** Starts tinyproxy and waits until it accepts connections on `port`. */
  start(port: number): Promise<void>;
  /** Reloads the config with SIGUSR1 (same PID) and waits (bounded) until it maps `/<slug>/`. */
  reload(port: number, slug: string): Promise<ReloadOutcome>;
  /** Stops tinyproxy (also a stopped or hung one) and starts it again on `port`. */
  restart(port: number): Promise<void>;
  /** Stops tinyproxy with SIGTERM (SIGKILL if it must) and waits until it has exited. */
  stop(): Promise<void>;
  /** Writes what the mode needs once tinyproxy is installed; true when a running service must restart to apply it. */
  setUp(): Promise<boolean>;
  /** Removes what setUp wrote. */
  tearDown(): Promise<void>;
  /** Keeps the mode's own log bounded (a no-op where the system rotates it). */
  rotateLogs(): void;
}

/** Bounds for waiting on tinyproxy; it binds in milliseconds and exits on SIGTERM in about 10 ms. */
export const WAIT = { startMs: 10_000, stopMs: 5_000, killMs: 2_000, reloadMs: 3_000, pollMs: 5 } as const;
