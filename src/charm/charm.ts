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

/** The handler for an event: actions have none (the charm declares no actions). */
export const handlerFor = (event: JujuEvent): Handler | undefined => (event.kind === 'hook' ? (HOOK_HANDLERS[event.name] ?? converge) : undefined);

/**
 * Runs the event's handler, then always sets the unit status, as ops' collect-status does. A
 * failing handler's error is the one reported: it says what really went wrong.
 */
export async function runCharm(event: JujuEvent, context: CharmContext): Promise<void> {
  const handler = handlerFor(event);
  const outcome = await handler?.(context).then(
    () => undefined,
    (error: unknown) => ({ error }),
  );
  try {
    const status = await collectStatus(context);
    await context.tools.statusSet(status.name, status.message);
  } catch (statusError) {
    if (!outcome) throw statusError;
  }
  if (outcome) throw outcome.error;
}
