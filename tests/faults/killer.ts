// Runs one hook's dispatch as juju-sim does, and SIGKILLs the hook's process group the moment a
// trigger fires (inotify on the file the charm is about to change), as a crash or an OOM kill would.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync, watch } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type Call, commitPendingPorts, discardPendingPorts, hookEnvironment, nextCallIndex, readCalls, type SimUnit } from '../../testkit/juju-sim.ts';
import { killGroup, runCommand } from '../../testkit/process.ts';

/** Watches for the moment to kill; `arm` returns the function that stops watching. */
export interface KillTrigger {
  readonly describe: string;
  arm(fire: () => void): () => void;
}

const statOf = (path: string): { ino: number; size: number } | undefined => {
  try {
    const s = statSync(path);
    return { ino: s.ino, size: s.size };
  } catch {
    return undefined;
  }
};

/** Fires when `path` is replaced by a new file (the charm writes its config to a temp file and renames it). */
export function whenReplaced(path: string): KillTrigger {
  return {
    describe: `${path} replaced`,
    arm(fire) {
      const before = statOf(path)?.ino;
      const watcher = watch(dirname(path), (_event, name) => {
        if (name !== basename(path)) return;
        const now = statOf(path)?.ino;
        if (now !== undefined && now !== before) fire();
      });
      return () => watcher.close();
    },
  };
}

/** Fires when `path` grows (tinyproxy writes its first log line as soon as it runs). */
export function whenGrows(path: string): KillTrigger {
  return {
    describe: `${path} grows`,
    arm(fire) {
      const before = statOf(path)?.size ?? 0;
      const watcher = watch(dirname(path), (_event, name) => {
        if (name === basename(path) && (statOf(path)?.size ?? 0) > before) fire();
      });
      return () => watcher.close();
    },
  };
}

/** How a hook run that may have been killed ended. */
export interface KilledHook {
  readonly killed: boolean;
  readonly exitCode: number;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  /** The hook-tool calls it made before it ended. */
  readonly calls: Call[];
}

/** Runs `hooks/<event>` (wrapped, e.g. in the server namespace) and SIGKILLs its process group when the trigger fires. */
export async function runHookKilledWhen(unit: SimUnit, event: string, wrap: readonly string[], trigger: KillTrigger, timeoutMs = 60_000): Promise<KilledHook> {
  const env = hookEnvironment({
    charmDir: unit.charmDir,
    stateDir: unit.stateDir,
    unitName: unit.unitName,
    modelUuid: randomUUID(),
    dispatchPath: `hooks/${event}`,
    hookName: event,
  });
  const dispatch = join(unit.charmDir, 'dispatch');
  if (!existsSync(dispatch)) throw new Error(`no dispatch in ${unit.charmDir}`);
  const first = nextCallIndex(unit.stateDir);
  const [file = dispatch, ...args] = [...wrap, dispatch];
  let killed = false;
  let disarm: () => void = () => undefined;
  const onStart = (pgid: number): void => {
    disarm = trigger.arm(() => {
      if (killed) return;
      killed = true;
      killGroup(pgid, 'SIGKILL');
    });
  };
  const { exitCode, signal, stderr } = await runCommand([file, ...args], { cwd: unit.charmDir, env, timeoutMs, onStart }).finally(() => disarm());
  // Juju applies a hook's port changes only when it succeeds.
  if (exitCode === 0) commitPendingPorts(unit.stateDir);
  else discardPendingPorts(unit.stateDir);
  return { killed, exitCode, signal, stderr, calls: readCalls(unit.stateDir, first) };
}

/**
 * Fires when the hook's `open-port` (or `close-port`) request has reached juju-sim: its pending
 * port changes (the state dir's pending-ports, appended by the tool before it exits) hold one.
 */
export function whenPortRequested(stateDir: string, op: 'open' | 'close' = 'open'): KillTrigger {
  const pending = join(stateDir, 'pending-ports');
  const requested = (): boolean => {
    try {
      return readFileSync(pending, 'utf8')
        .split('\n')
        .some((line) => line.startsWith(`${op} `));
    } catch {
      return false;
    }
  };
  return {
    describe: `${op}-port requested (${pending})`,
    arm(fire) {
      const watcher = watch(stateDir, (_event, name) => {
        if (name === 'pending-ports' && requested()) fire();
      });
      return () => watcher.close();
    },
  };
}

/** Fires when a file whose name starts with `prefix` appears in `dir` (the charm's temp file, before its rename). */
export function whenCreated(dir: string, prefix: string): KillTrigger {
  return {
    describe: `${dir}/${prefix}* created`,
    arm(fire) {
      const watcher = watch(dir, (_event, name) => {
        if (typeof name === 'string' && name.startsWith(prefix)) fire();
      });
      return () => watcher.close();
    },
  };
}
