// The tests' one process runner, on execa: argv only (no shell), an explicit environment,
// output captured, its own process group, and it returns when the process exits even if a
// daemon it started keeps stdout/stderr open (as Juju would not).
import { constants } from 'node:os';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import { groupMembers } from './procfs.ts';

/** What a finished command did. */
export interface CommandResult {
  /** Exit status; 128 + signal number when killed by a signal. */
  exitCode: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** The command was killed because it ran longer than timeoutMs. */
  timedOut: boolean;
  /** stdout/stderr were still open (held by a leftover child) after the process exited. */
  stdioHeldOpen: boolean;
  /** Output went past maxOutputBytes and was cut. */
  truncated: boolean;
}

/** How to run a command. */
export interface CommandOptions {
  cwd?: string;
  /** The complete environment (nothing is inherited when given). */
  env?: Readonly<Record<string, string | undefined>>;
  /** What the command reads on stdin (nothing when absent). */
  input?: string | Buffer | Readable;
  /** Then the whole process group is SIGKILLed. */
  timeoutMs?: number;
  /** At the timeout, SIGKILL the group's other members first and the leader 1 s later, so that a parent such as nsenter reaps its child. */
  killLeaderLast?: boolean;
  /** How long to wait for stdout/stderr to close after the process exited (default 500 ms). */
  stdioGraceMs?: number;
  /** Per stream (default 64 MiB). */
  maxOutputBytes?: number;
  /** Called with the process id (also its process group id) as soon as it runs. */
  onStart?: (pid: number) => void;
}

/** Runs argv (no shell) in its own process group; never rejects for a non-zero exit or a timeout. */
export async function runCommand(argv: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('runCommand: empty argv');
  const started = Date.now();
  const child = execa(file, args, {
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.env !== undefined ? { env: options.env, extendEnv: false } : {}),
    ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' as const }),
    detached: true,
    reject: false,
    stripFinalNewline: false,
    maxBuffer: options.maxOutputBytes ?? 64 * 1024 * 1024,
  });
  if (child.pid !== undefined) options.onStart?.(child.pid);
  let timedOut = false;
  let stdioHeldOpen = false;
  let graceTimer: NodeJS.Timeout | undefined;
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          const pid = child.pid;
          if (pid === undefined) return;
          if (options.killLeaderLast !== true) return killGroup(pid, 'SIGKILL');
          for (const member of groupMembers(pid)) if (member !== pid) signalQuietly(member, 'SIGKILL');
          graceTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), 1000);
        }, options.timeoutMs);
  let stdioTimer: NodeJS.Timeout | undefined;
  child.once('exit', () => {
    stdioTimer = setTimeout(() => {
      if (child.stdout?.closed === false || child.stderr?.closed === false) {
        stdioHeldOpen = true;
        child.stdout?.destroy();
        child.stderr?.destroy();
      }
    }, options.stdioGraceMs ?? 500);
  });
  const r = await child;
  clearTimeout(timer);
  clearTimeout(graceTimer);
  clearTimeout(stdioTimer);
  const signal = (r.signal ?? null) as NodeJS.Signals | null;
  if (r.failed && r.exitCode === undefined && signal === null && !r.isMaxBuffer) throw new Error(`${file}: ${r.originalMessage ?? r.message}`);
  return {
    exitCode: r.exitCode ?? 128 + (signal !== null ? constants.signals[signal] : 0),
    signal,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    durationMs: Date.now() - started,
    timedOut,
    stdioHeldOpen,
    truncated: r.isMaxBuffer,
  };
}

/** Runs argv and returns its result; throws (with the end of its output) unless it exits 0 in time. */
export async function mustRun(argv: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
  const r = await runCommand(argv, options);
  if (r.timedOut || r.exitCode !== 0 || r.truncated) {
    const why = r.timedOut ? 'timed out' : r.truncated ? 'printed too much' : `exited ${r.exitCode}`;
    throw new Error(`${argv.join(' ')} ${why}\n--- stdout\n${tail(r.stdout)}\n--- stderr\n${tail(r.stderr)}`);
  }
  return r;
}

const signalQuietly = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
};

/** Sends a signal to a process group, ignoring "no such process". */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid !== undefined) signalQuietly(-pid, signal);
}

/** The last `lines` lines of a text, for error messages. */
export function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** A helper process that runs until stopped (a server, a lock holder, a prober). */
export interface Daemon {
  readonly pid: number;
  /** Its stdout lines after the ready line, as they come. */
  readonly lines: string[];
  /** Resolves when it has exited. */
  readonly exited: Promise<void>;
  /** Sends `signal` to its process group (SIGKILL 3 s later if still there); resolves once it exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** How to start a daemon. */
export interface DaemonOptions {
  /** The stdout line that says it is ready. */
  ready: string;
  /** The complete environment (nothing is inherited when given). */
  env?: Readonly<Record<string, string | undefined>>;
  /** How long it may take to print `ready` (default 10 s); then its group is SIGKILLed. */
  timeoutMs?: number;
  /** The signal stop() sends by default (SIGTERM). */
  stopSignal?: NodeJS.Signals;
  /** Called with every stdout line after the ready line. */
  onLine?: (line: string) => void;
}

/** Starts argv (no shell) in its own process group and resolves once it prints `ready` on stdout; rejects (with its stderr) if it exits or times out first. */
export async function startDaemon(argv: readonly string[], options: DaemonOptions): Promise<Daemon> {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('startDaemon: empty argv');
  const child = execa(file, args, {
    ...(options.env !== undefined ? { env: options.env, extendEnv: false } : {}),
    stdin: 'ignore',
    detached: true,
    reject: false,
    buffer: false,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${file}: ${(await child).message}`);
  const exited = child.then(() => undefined);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const lines: string[] = [];
  const reader = createInterface({ input: child.stdout! });
  const timeoutMs = options.timeoutMs ?? 10_000;
  await new Promise<void>((resolve, reject) => {
    let isReady = false;
    const timer = setTimeout(() => {
      killGroup(pid, 'SIGKILL');
      reject(new Error(`${argv.join(' ')} was not ready within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    void exited.then(() => {
      clearTimeout(timer);
      if (!isReady) reject(new Error(`${argv.join(' ')} exited (${child.exitCode ?? child.signalCode}) before it was ready: ${stderr}`));
    });
    reader.on('line', (line) => {
      if (isReady) {
        lines.push(line);
        options.onLine?.(line);
      } else if (line === options.ready) {
        isReady = true;
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    pid,
    lines,
    exited,
    async stop(signal = options.stopSignal ?? 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup(pid, signal);
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
