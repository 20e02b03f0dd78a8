// Bench only, never shipped: the serving check trusted instead of made. It stands in for
// src/workload/serving.ts in the bundle bench/trusted.ts builds: a running tinyproxy counts as
// serving, with no look at the listening sockets, the process state or an HTTP probe.
import type { Served, ServingCheck } from '../src/workload/serving.ts';

/** The shipped checkServing's signature, answering from the PID alone. */
export async function checkServing(pid: number | undefined, _expected: Served): Promise<ServingCheck> {
  return pid === undefined ? { state: 'stopped' } : { state: 'serving' };
}
