import { execFile } from 'node:child_process';
import type { Writable } from 'node:stream';
import { getSystemErrorName } from 'node:util';

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

/** What Node's synchronous spawner returns (see SpawnSync::BuildResultObject in Node's spawn_sync.cc). */
interface SpawnSyncResult {
  status: number | null;
  signal: string | null;
  output: [null, Buffer, Buffer] | null;
  /** A negative errno when the process could not run or its output overflowed. */
  error?: number;
}

/** Node's own synchronous spawner, the one child_process.spawnSync calls. */
interface SpawnSyncBinding {
  spawn(options: object): SpawnSyncResult;
}

const MAX_OUTPUT = 16 * 1024 * 1024;

/** Asks node for one of its internal bindings (`process.binding`, deprecated in documentation only). */
const processBinding = (name: string): unknown => (process as unknown as { binding(id: string): unknown }).binding(name);

/**
 * The hook-tool runner for this node: one on Node's synchronous spawner
 * (`process.binding('spawn_sync')`, what child_process.spawnSync calls) where node offers it,
 * else `fallback`. The spawner loads no module: in a process started from a Node 18 user
 * start-up snapshot, where node:child_process cannot be held, loading it costs ~20 ms of a hook
 * (measured on Debian's nodejs 18.20). It gives up overlapping a tool with other work.
 */
export function chooseHookToolRunner(bind: (name: string) => unknown = processBinding, fallback: ToolRunner = runHookTool): ToolRunner {
  try {
    // Reading .spawn of undefined or null throws too: anything but an object with a spawn function falls back.
    const spawner = bind('spawn_sync') as Partial<SpawnSyncBinding>;
    if (typeof spawner.spawn === 'function') return spawnSyncRunner(spawner as SpawnSyncBinding);
  } catch {
    // No such binding on this node (process.binding throws for a name it does not know).
  }
  return fallback;
}

/** A runner on Node's synchronous spawner. */
function spawnSyncRunner(spawner: SpawnSyncBinding): ToolRunner {
  return (argv) => {
    const [file] = argv;
    const envPairs = Object.entries(process.env).map(([name, value]) => `${name}=${value}`);
    // What execFile does: stdin a pipe node ends at once (EOF), stdout and stderr pipes it reads
    // to their end. A flag left out is false (spawn_sync.cc ParseStdioOption).
    const stdio = [
      { type: 'pipe', readable: true },
      { type: 'pipe', writable: true },
      { type: 'pipe', writable: true },
    ];
    const r = spawner.spawn({ file, args: [...argv], envPairs, stdio, maxBuffer: MAX_OUTPUT });
    const stderr = r.output ? r.output[2].toString('utf8') : '';
    if (r.error !== undefined) {
      const code = getSystemErrorName(r.error);
      return Promise.reject(new HookToolError(argv, null, code === 'ENOENT' ? `${file} not found on PATH` : `${code} spawn ${file} ${code}`));
    }
    if (r.signal !== null) return Promise.reject(new HookToolError(argv, null, stderr || `killed by ${r.signal}`));
    if (r.status !== 0) return Promise.reject(new HookToolError(argv, r.status, stderr));
    return Promise.resolve(r.output ? r.output[1].toString('utf8') : '');
  };
}
