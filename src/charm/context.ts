import type { HookTools } from '../juju/hook-tools.ts';
import type { Workload } from '../workload/tinyproxy.ts';
import type { ConfigResult } from './config.ts';

/** What every handler gets: the two boundaries and the config read once for this hook. */
export interface CharmContext {
  readonly tools: HookTools;
  readonly workload: Workload;
  readonly config: ConfigResult;
}

/** One event's handler. */
export type Handler = (context: CharmContext) => Promise<void>;
