import type { StatusName } from './tools/status.ts';

/** A unit status: a name and a message. */
export interface UnitStatus {
  readonly name: StatusName;
  readonly message: string;
}

// As ops' StatusBase priorities: blocked > maintenance > waiting > active.
const PRIORITY: Readonly<Record<StatusName, number>> = { blocked: 4, maintenance: 3, waiting: 2, active: 1 };

/** The highest-priority status; on a tie the first one added wins, as in ops. */
export function highestPriority(statuses: readonly UnitStatus[]): UnitStatus | undefined {
  let best: UnitStatus | undefined;
  for (const status of statuses) {
    if (!best || PRIORITY[status.name] > PRIORITY[best.name]) best = status;
  }
  return best;
}

/** Constructors that read like ops' status classes. */
export const active = (message = ''): UnitStatus => ({ name: 'active', message });
export const blocked = (message: string): UnitStatus => ({ name: 'blocked', message });
export const maintenance = (message: string): UnitStatus => ({ name: 'maintenance', message });
export const waiting = (message: string): UnitStatus => ({ name: 'waiting', message });
