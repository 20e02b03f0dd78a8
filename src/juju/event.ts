/** What Juju asked the charm to handle: a hook or an action, by name. */
export interface JujuEvent {
  readonly kind: 'hook' | 'action';
  readonly name: string;
}

/** Derives the event from `JUJU_DISPATCH_PATH` (`hooks/<name>` or `actions/<name>`). */
export function eventFromDispatchPath(dispatchPath: string): JujuEvent {
  const match = /^(?:\.\/)?(hooks|actions)\/([A-Za-z0-9][A-Za-z0-9_.-]*)$/.exec(dispatchPath);
  if (!match) {
    throw new Error(`JUJU_DISPATCH_PATH must be hooks/<event> or actions/<name>, got ${JSON.stringify(dispatchPath)}`);
  }
  return Object.freeze({ kind: match[1] === 'hooks' ? 'hook' : 'action', name: match[2] as string });
}
