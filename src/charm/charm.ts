import type { JujuEvent } from '../juju/event.ts';
import { collectStatus } from './collect-status.ts';
import type { CharmContext, Handler } from './context.ts';
import { configure, converge, install, remove, stop, upgrade } from './handlers.ts';

/** Where each hook goes; every other hook (update-status, leader-elected, ...) converges. */
export const HOOK_HANDLERS: Readonly<Record<string, Handler>> = {
  install,
  start: configure,
  'config-changed': configure,
  'upgrade-charm': upgrade,
  stop,
  remove,
};

/** Runs the event's handler (if any), then always sets the unit status. */
export async function runCharm(event: JujuEvent, context: CharmContext): Promise<void> {
  const handler = event.kind === 'hook' ? (HOOK_HANDLERS[event.name] ?? converge) : undefined;
  let failed = false;
  try {
    if (handler) await handler(context);
    for (const step of context.afterSuccess.splice(0)) step();
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    try {
      const status = await collectStatus(context);
      context.tools.statusSet(status.name, status.message);
    } catch (statusError) {
      // Keep the handler's error, which says what really went wrong.
      if (!failed) throw statusError;
    }
  }
}
