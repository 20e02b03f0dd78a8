import { describe, expect, it } from 'vitest';
import { eventFromDispatchPath } from '../../../src/juju/event.ts';

describe('eventFromDispatchPath', () => {
  it.each([
    ['hooks/install', { kind: 'hook', name: 'install' }],
    ['hooks/config-changed', { kind: 'hook', name: 'config-changed' }],
    ['hooks/update-status', { kind: 'hook', name: 'update-status' }],
    ['hooks/website-relation-joined', { kind: 'hook', name: 'website-relation-joined' }],
    ['./hooks/start', { kind: 'hook', name: 'start' }],
    ['actions/reload', { kind: 'action', name: 'reload' }],
  ])('%s', (path, event) => {
    expect(eventFromDispatchPath(path)).toEqual(event);
  });

  it.each(['', 'install', 'hooks/', 'hooks/../etc/passwd', 'other/install', 'hooks/a/b', 'x/hooks/install', '../hooks/install', 'hooks/install/'])('rejects %j', (path) => {
    expect(() => eventFromDispatchPath(path)).toThrow(/JUJU_DISPATCH_PATH/);
  });
});
