import { active, blocked, highestPriority, maintenance, type UnitStatus } from '../juju/status.ts';
import type { CharmConfig } from './config.ts';
import type { CharmContext } from './context.ts';
import { notServing, portInUse, WAITING_FOR_INSTALL, WAITING_FOR_START } from './messages.ts';

/** What the check of the configured proxy says: active only when tinyproxy serves it now. */
async function servingStatus({ workload }: CharmContext, { port, slug }: CharmConfig): Promise<UnitStatus> {
  const found = await workload.check({ port, slug });
  if (found.state === 'serving') return active();
  if (found.state === 'stopped') return maintenance(WAITING_FOR_START);
  if (found.state === 'port-taken') return blocked(portInUse(port, found.holders));
  return maintenance(notServing(slug, port, found.reason));
}

/**
 * The unit status after any event: every applicable status, highest priority wins, as in ops.
 * An invalid config is blocked whatever tinyproxy does, so only a valid one is checked.
 */
export async function collectStatus(context: CharmContext): Promise<UnitStatus> {
  const { workload, config } = context;
  const statuses: UnitStatus[] = [];
  if (!config.valid) statuses.push(blocked(config.problems.join('; ')));
  if (!workload.isInstalled()) statuses.push(maintenance(WAITING_FOR_INSTALL));
  else if (config.valid) statuses.push(await servingStatus(context, config.config));
  // Never empty: an installed unit has a valid config or a blocked status.
  return highestPriority(statuses) ?? active();
}
