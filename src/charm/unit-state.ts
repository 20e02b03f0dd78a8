import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the charm remembers between hooks. */
export interface UnitState {
  /** tinyproxy was started by start/config-changed and not stopped on purpose since. */
  readonly shouldRun: boolean;
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
        const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
        const shouldRun = (parsed as { shouldRun?: unknown } | null)?.shouldRun;
        return { shouldRun: shouldRun === true };
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
