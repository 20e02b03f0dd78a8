import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the charm remembers between hooks. */
export interface UnitState {
  /** tinyproxy was started by start/config-changed and not stopped on purpose since. */
  readonly shouldRun: boolean;
  /**
   * The port a successful hook left opened. Juju drops a failed hook's port changes, so this
   * is written only once a hook has succeeded, and cleared before ports are touched.
   */
  readonly openedPort?: number;
}

/** Where the unit state is kept; injectable so tests keep it in memory. */
export interface UnitStateStore {
  load(): UnitState;
  save(state: UnitState): void;
}

const INITIAL: UnitState = { shouldRun: false };

/** A JSON file in the charm dir, which Juju keeps across hooks (ops keeps its state there too). */
export function fileStateStore(charmDir: string): UnitStateStore {
  const path = join(charmDir, '.unit-state.json');
  return {
    load() {
      try {
        const parsed = JSON.parse(readFileSync(path, 'utf8')) as { shouldRun?: unknown; openedPort?: unknown } | null;
        const openedPort = parsed?.openedPort;
        return Number.isInteger(openedPort) ? { shouldRun: parsed?.shouldRun === true, openedPort: openedPort as number } : { shouldRun: parsed?.shouldRun === true };
      } catch {
        return INITIAL;
      }
    },
    save(state) {
      writeFileSync(`${path}.tmp`, `${JSON.stringify(state)}\n`, { mode: 0o600 });
      renameSync(`${path}.tmp`, path);
    },
  };
}

/** A store in memory, for tests. */
export function memoryStateStore(initial: UnitState = INITIAL): UnitStateStore & { state: UnitState } {
  const store = {
    state: initial,
    load: () => store.state,
    save: (state: UnitState) => {
      store.state = state;
    },
  };
  return store;
}

/** Saves `patch` over the stored state, writing only if something changes. */
export function updateState(store: UnitStateStore, patch: { shouldRun?: boolean; openedPort?: number | undefined }): void {
  const current = store.load();
  const shouldRun = patch.shouldRun ?? current.shouldRun;
  const openedPort = 'openedPort' in patch ? patch.openedPort : current.openedPort;
  if (shouldRun === current.shouldRun && openedPort === current.openedPort) return;
  store.save(openedPort === undefined ? { shouldRun } : { shouldRun, openedPort });
}
