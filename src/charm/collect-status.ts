import { active, blocked, highestPriority, maintenance, type UnitStatus } from '../juju/status.ts';
import type { CharmContext } from './context.ts';

/** The unit status after any event: every applicable status, highest priority wins, as in ops. */
export async function collectStatus({ workload, config }: CharmContext): Promise<UnitStatus> {
  const statuses: UnitStatus[] = [];
  if (!config.valid) statuses.push(...config.problems.map(blocked));
  if (!workload.isInstalled()) statuses.push(maintenance('Waiting for tinyproxy to be installed'));
  else if (!(await workload.isRunning())) statuses.push(maintenance('Waiting for tinyproxy to start'));
  statuses.push(active());
  return highestPriority(statuses) ?? active();
}
