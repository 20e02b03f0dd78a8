import type { HookTools } from '../juju/hook-tools.ts';
import type { Workload } from '../workload/tinyproxy.ts';
import type { ConfigResult } from './config.ts';
import type { UnitStateStore } from './unit-state.ts';

/** What every handler gets: the boundaries, and the config read once for this hook. */
export interface CharmContext {
  readonly tools: HookTools;
  readonly workload: Workload;
  readonly config: ConfigResult;
  readonly state: UnitStateStore;
}

/** One event's handler. */
export type Handler = (context: CharmContext) => Promise<void>;
