import { runCharm } from '../../src/charm/charm.ts';
import { parseCharmConfig } from '../../src/charm/config.ts';
import type { UnitState } from '../../src/charm/unit-state.ts';
import type { JujuEvent } from '../../src/juju/event.ts';
import { FakeJuju } from './fake-hook-tools.ts';
import { type FakeMachine, FakeWorkload } from './fake-workload.ts';
import { memoryStateStore } from './memory-state-store.ts';

/** One unit as a test arranges it: Juju's side, the machine, and what the charm remembers. */
export interface World {
  readonly juju: FakeJuju;
  readonly workload: FakeWorkload;
  readonly state: ReturnType<typeof memoryStateStore>;
}

/** Arranges a unit: config overrides and committed ports on Juju's side, a machine, a unit state. */
export function world(arrange: { config?: Record<string, unknown>; ports?: readonly string[]; machine?: FakeMachine; unit?: UnitState } = {}): World {
  return {
    juju: new FakeJuju(arrange.config, arrange.ports),
    workload: new FakeWorkload(arrange.machine),
    state: memoryStateStore(arrange.unit ?? { shouldRun: arrange.machine?.process !== undefined }),
  };
}

/** What one hook did on Juju's side: its error, if it failed, and the hook tools it called. */
export interface HookOutcome {
  readonly error: unknown;
  readonly failed: boolean;
  readonly calls: readonly string[];
}

/** Runs one event (a hook, by name) as Juju would: config read at its start, port changes committed at its end if it succeeded. */
export async function dispatch(w: World, event: string | JujuEvent, options: { commitSucceeds?: boolean } = {}): Promise<HookOutcome> {
  let outcome: { error: unknown } | undefined;
  try {
    await runCharm(typeof event === 'string' ? { kind: 'hook', name: event } : event, { tools: w.juju, workload: w.workload, config: parseCharmConfig(await w.juju.configGet()), state: w.state });
  } catch (error) {
    outcome = { error };
  }
  const calls = [...w.juju.calls];
  w.juju.endHook(outcome === undefined, options.commitSucceeds);
  return { error: outcome?.error, failed: outcome !== undefined, calls };
}

/** Runs one event that must succeed; returns the hook tools it called. */
export async function hook(w: World, event: string | JujuEvent, options: { commitSucceeds?: boolean } = {}): Promise<readonly string[]> {
  const outcome = await dispatch(w, event, options);
  if (outcome.failed) throw new Error(`${JSON.stringify(event)} failed: ${String(outcome.error)}`, { cause: outcome.error });
  return outcome.calls;
}

/** Runs one event that must fail; returns its error. */
export async function failingHook(w: World, event: string): Promise<unknown> {
  const outcome = await dispatch(w, event);
  if (!outcome.failed) throw new Error(`${event} succeeded, but the test expected it to fail`);
  return outcome.error;
}
