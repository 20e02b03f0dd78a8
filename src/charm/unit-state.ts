import { join } from 'node:path';
import { createFresh, readRegularFile, replacePath } from '../workload/files.ts';

/** What the charm remembers between hooks. */
export interface UnitState {
  /** tinyproxy was started by start/config-changed and not stopped on purpose since. */
  readonly shouldRun: boolean;
  /**
   * The port `opened-ports` was last seen to hold, alone. Juju commits a hook's port changes
   * only when the hook succeeds, so this is never what the charm asked for, only what it saw
   * committed; any hook that changes the ports clears it first.
   */
  readonly openedPort?: number;
}

/** Where the unit state is kept. */
export interface UnitStateStore {
  load(): UnitState;
  save(state: UnitState): void;
}

export const INITIAL_STATE: UnitState = Object.freeze({ shouldRun: false });

/** The state file's name in the charm dir, which Juju keeps across hooks (ops keeps its state there too). */
export const STATE_FILE = '.unit-state.json';

/** The state in the file's text; throws (SyntaxError, TypeError) when it is not the JSON the charm writes, `null` included. */
const parseState = (text: string): UnitState => {
  const { shouldRun, openedPort } = JSON.parse(text) as Record<string, unknown>;
  if (typeof shouldRun !== 'boolean') throw new TypeError();
  return Number.isInteger(openedPort) ? { shouldRun, openedPort: openedPort as number } : { shouldRun };
};

/**
 * A JSON file in the charm dir, read once per hook. A damaged file (garbage, a folder, a link, a
 * FIFO) remembers nothing: `onDamaged` is told, and the file is replaced at once.
 */
export function fileStateStore(charmDir: string, onDamaged: (problem: string) => void): UnitStateStore {
  const path = join(charmDir, STATE_FILE);
  let current: UnitState | undefined;
  const save = (state: UnitState): void => {
    createFresh(`${path}.tmp`, `${JSON.stringify(state)}\n`, 0o600);
    replacePath(`${path}.tmp`, path);
    current = state;
  };
  // What the file holds; a damaged one is reported, then replaced by the initial state.
  const readState = (): UnitState => {
    const read = readRegularFile(path, 4096);
    if (read.kind === 'missing') return INITIAL_STATE;
    let problem: string;
    if (read.kind === 'unreadable') problem = read.reason;
    else {
      try {
        return parseState(read.text);
      } catch {
        problem = 'not the JSON the charm writes';
      }
    }
    onDamaged(`${path} is damaged (${problem}): starting from an empty unit state`);
    save(INITIAL_STATE);
    return INITIAL_STATE;
  };
  return {
    load() {
      current ??= readState();
      return current;
    },
    save,
  };
}

/** Saves `patch` over the stored state, writing only if something changes. */
export function updateState(store: UnitStateStore, patch: { shouldRun?: boolean; openedPort?: number | undefined }): void {
  const current = store.load();
  const shouldRun = patch.shouldRun ?? current.shouldRun;
  const openedPort = 'openedPort' in patch ? patch.openedPort : current.openedPort;
  if (shouldRun === current.shouldRun && openedPort === current.openedPort) return;
  store.save(openedPort === undefined ? { shouldRun } : { shouldRun, openedPort });
}
