/** What a reload did: whether the same process survived it and serves again. */
export interface ReloadOutcome {
  readonly pidBefore: number;
  readonly pidAfter: number | undefined;
  /** Set when tinyproxy died during the reload (a known tinyproxy 1.11.1 crash). */
  readonly crashed: boolean;
  /** Set when the port changed: tinyproxy does not rebind on SIGUSR1, so it was restarted. */
  readonly restarted?: boolean;
}

/** Runs the tinyproxy process: directly, or as a systemd service. */
export interface Daemon {
  readonly mode: 'systemd' | 'direct';
  /** The live main process ID, or undefined when tinyproxy is not running. */
  mainPid(): Promise<number | undefined>;
  /** Starts tinyproxy and waits until it accepts connections on `port`. */
  start(port: number): Promise<void>;
  /** Reloads the config with SIGUSR1 (same PID) and waits until it maps `/<slug>/`. */
  reload(port: number, slug: string): Promise<ReloadOutcome>;
  /** Stops tinyproxy with SIGTERM and waits until it has exited. */
  stop(): Promise<void>;
  /** Writes what the mode needs once tinyproxy is installed (a unit file, folders). */
  setUp(): Promise<void>;
  /** Removes what setUp wrote. */
  tearDown(): Promise<void>;
}

/** Bounds for waiting on tinyproxy; it binds in milliseconds and exits on SIGTERM in about 10 ms. */
export const WAIT = { startMs: 10_000, stopMs: 5_000, killMs: 2_000, reloadMs: 3_000, pollMs: 5 } as const;
