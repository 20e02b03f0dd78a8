import { execFile } from 'node:child_process';
import type { Writable } from 'node:stream';

/** Runs one hook tool with an argument vector and resolves to its stdout. */
export type ToolRunner = (argv: readonly [string, ...string[]]) => Promise<string>;

/** A hook tool that could not run or exited non-zero: carries the command, exit code and stderr. */
export class HookToolError extends Error {
  override readonly name = 'HookToolError';
  constructor(
    readonly command: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    const detail = stderr.trim() || `exit code ${exitCode ?? 'unknown'}`;
    super(`hook tool ${command[0]} failed (${exitCode === null ? 'not run' : `exit ${exitCode}`}): ${detail}`);
  }
}

/**
 * The real runner: node:child_process, no shell. Asynchronous, so that the hook can do other
 * work (the serving probe) while a tool runs; about 3 ms a call here, against 55-60 ms for
 * loading and first-calling execa.
 */
export const runHookTool: ToolRunner = (argv) =>
  new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    // Node names why a tool did not run with a string code (ENOENT, EACCES, E2BIG, ...).
    const notRun = (error: { code?: unknown; message: string }): HookToolError =>
      new HookToolError(argv, null, error.code === 'ENOENT' ? `${file} not found on PATH` : `${String(error.code)} ${error.message}`);
    try {
      const child = execFile(file, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (!error) resolve(stdout);
        // A number is the tool's exit code; a signal killed it; a string (ENOENT, ...) says why it did not run.
        else if (typeof error.code === 'number') reject(new HookToolError(argv, error.code, stderr));
        else if (error.signal) reject(new HookToolError(argv, null, stderr || `killed by ${error.signal}`));
        else reject(notRun(error));
      });
      // A pipe (execFile's default): ended, so that a tool reading stdin sees EOF at once.
      (child.stdin as Writable).end();
    } catch (error) {
      // Some failures (E2BIG: the arguments are too long) are thrown before anything runs.
      reject(notRun(error as { code?: unknown; message: string }));
    }
  });
