import { active, blocked, highestPriority, maintenance, type UnitStatus } from '../juju/status.ts';
import type { CharmContext } from './context.ts';

/** The status that says why the configured proxy is not served, if it is not. */
async function servingStatus({ workload, config }: CharmContext): Promise<UnitStatus | undefined> {
  if (!config.valid) return (await workload.isRunning()) ? undefined : maintenance('Waiting for tinyproxy to start');
  const { port, slug } = config.config;
  const found = await workload.check({ port, slug });
  switch (found.state) {
    case 'serving':
      return undefined;
    case 'stopped':
      return maintenance('Waiting for tinyproxy to start');
    case 'port-taken':
      return blocked(`Port ${port} is in use by ${found.holders}; stop it or choose another server-port`);
    case 'faulty':
      return maintenance(`tinyproxy runs but does not serve /${slug}/ on port ${port} (${found.reason}); the next hook repairs it`);
  }
}

/** The unit status after any event: every applicable status, highest priority wins, as in ops. */
export async function collectStatus(context: CharmContext): Promise<UnitStatus> {
  const { workload, config } = context;
  const statuses: UnitStatus[] = [];
  if (!config.valid) statuses.push(blocked(config.problems.join('; ')));
  if (!workload.isInstalled()) statuses.push(maintenance('Waiting for tinyproxy to be installed'));
  else {
    const serving = await servingStatus(context);
    if (serving) statuses.push(serving);
  }
  statuses.push(active());
  return highestPriority(statuses) ?? active();
}
