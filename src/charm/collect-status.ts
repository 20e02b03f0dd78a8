import { active, blocked, highestPriority, maintenance, type UnitStatus } from '../juju/status.ts';
import type { CharmContext } from './context.ts';

/** The unit status after any event: every applicable status, highest priority wins, as in ops. */
export async function collectStatus({ workload, config }: CharmContext): Promise<UnitStatus> {
  const statuses: UnitStatus[] = [];
  if (!config.valid) statuses.push(blocked(config.problems.join('; ')));
  if (!workload.isInstalled()) statuses.push(maintenance('Waiting for tinyproxy to be installed'));
  else if (!(await workload.isRunning())) statuses.push(maintenance('Waiting for tinyproxy to start'));
  else if (config.valid && !(await workload.servesConfig())) {
    const { slug, port } = config.config;
    statuses.push(maintenance(`tinyproxy runs but does not serve /${slug}/ on port ${port}; the next hook repairs it`));
  }
  statuses.push(active());
  return highestPriority(statuses) ?? active();
}
