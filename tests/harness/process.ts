// Child-process runner for the test harnesses: no shell, explicit env, output captured,
// and it returns when the process exits even if a daemon it started keeps stdout/stderr open.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

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
}

/** How to run a command. */
export interface CommandOptions {
  cwd?: string;
  /** The complete environment (nothing is inherited when given). */
  env?: Readonly<Record<string, string>>;
  timeoutMs?: number;
  /** How long to wait for stdout/stderr to close after the process exited. */
  stdioGraceMs?: number;
}

/** Runs argv (no shell) in its own process group; never rejects for a non-zero exit. */
export function runCommand(argv: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new Error('runCommand: empty argv'));
  const started = Date.now();
  return new Promise<CommandResult>((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    let timedOut = false;
    let closed = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killGroup(child.pid, 'SIGKILL');
          }, options.timeoutMs);
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.on('close', () => {
      closed = true;
    });
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        const stdioHeldOpen = !closed;
        if (stdioHeldOpen) {
          child.stdout.destroy();
          child.stderr.destroy();
        }
        resolve({
          exitCode: code ?? 128 + (signal ? constants.signals[signal] : 0),
          signal,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          durationMs: Date.now() - started,
          timedOut,
          stdioHeldOpen,
        });
      };
      if (closed) return finish();
      const grace = setTimeout(finish, options.stdioGraceMs ?? 500);
      child.once('close', () => {
        clearTimeout(grace);
        finish();
      });
    });
  });
}

/** Sends a signal to a process group, ignoring "no such process". */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Runs argv and throws (with its output) unless it exits 0. */
export async function mustRun(argv: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
  const result = await runCommand(argv, options);
  if (result.exitCode !== 0) {
    throw new Error(`command failed (exit ${result.exitCode}): ${argv.join(' ')}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
  }
  return result;
}
