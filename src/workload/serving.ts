import { holderNames, portListeners } from './listeners.ts';
import { isStopped, readProcess } from './procfs.ts';
import { probeMapping } from './wait.ts';

/** What tinyproxy should serve: `/<slug>/` on `port`. */
export interface Served {
  readonly port: number;
  readonly slug: string;
}

/** Why a running tinyproxy does not serve: it listens elsewhere, maps other paths, or answers nothing. */
type Fault = 'not-listening' | 'unmapped' | 'unresponsive';

/** The answer to "does our tinyproxy serve `/<slug>/` on `port` now?". */
export type ServingCheck =
  | { readonly state: 'serving' }
  | { readonly state: 'stopped' }
  | { readonly state: 'port-taken'; readonly holders: string }
  | { readonly state: 'faulty'; readonly fault: Fault; readonly reason: string };

/**
 * Checks the claim behind `active`, every time: every listening socket on the port belongs to
 * our tinyproxy (`pid`), the process is not stopped, and it answers the probe with the mapping.
 */
export async function checkServing(pid: number | undefined, { port, slug }: Served): Promise<ServingCheck> {
  const listeners = portListeners(port, pid);
  if (listeners.foreign > 0) return { state: 'port-taken', holders: holderNames(listeners.strangers) };
  if (pid === undefined) return { state: 'stopped' };
  if (listeners.ours === 0) return { state: 'faulty', fault: 'not-listening', reason: `it does not listen on port ${port}` };
  const info = readProcess(pid);
  if (info && isStopped(info)) return { state: 'faulty', fault: 'unresponsive', reason: `it is stopped (process state ${info.state})` };
  const answer = await probeMapping(port, slug);
  if (answer === 'maps') return { state: 'serving' };
  if (answer === 'other') return { state: 'faulty', fault: 'unmapped', reason: `it does not map /${slug}/` };
  return { state: 'faulty', fault: 'unresponsive', reason: `it does not answer on port ${port}` };
}
