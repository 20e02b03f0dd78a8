import { INITIAL_STATE, type UnitState, type UnitStateStore } from '../../src/charm/unit-state.ts';

/** A unit-state store in memory whose `state` a test arranges and asserts. */
export function memoryStateStore(initial: UnitState = INITIAL_STATE): UnitStateStore & { state: UnitState } {
  const store = {
    state: initial,
    load: () => store.state,
    save: (state: UnitState) => {
      store.state = state;
    },
  };
  return store;
}
