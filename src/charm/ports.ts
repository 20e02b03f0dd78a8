import type { CharmContext } from './context.ts';
import { updateState } from './unit-state.ts';

/**
 * Makes the opened ports exactly `port`/tcp, as ops' set_ports does. Juju keeps a hook's port
 * changes only if the hook succeeds and its changes are committed, so the state remembers only
 * what `opened-ports` (committed ports) showed: a hook that opens or closes a port leaves that
 * unconfirmed, and the next hook looks again. Once confirmed, a steady hook asks Juju nothing.
 */
export async function syncPorts({ tools, state }: CharmContext, port: number): Promise<void> {
  if (state.load().openedPort === port) return;
  const opened = await tools.openedPorts();
  const wanted = (p: { port: number; protocol: string }): boolean => p.port === port && p.protocol === 'tcp';
  const stale = opened.filter((p) => !wanted(p));
  const missing = !opened.some(wanted);
  if (stale.length === 0 && !missing) {
    updateState(state, { openedPort: port });
    return;
  }
  updateState(state, { openedPort: undefined });
  for (const p of stale) await tools.closePort(p);
  if (missing) await tools.openPort({ port, protocol: 'tcp' });
}
