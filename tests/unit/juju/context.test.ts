import { describe, expect, it } from 'vitest';
import { contextFromEnv } from '../../../src/juju/context.ts';

const env = {
  JUJU_DISPATCH_PATH: 'hooks/start',
  JUJU_UNIT_NAME: 'tinyproxy/0',
  JUJU_MODEL_NAME: 'test',
  JUJU_VERSION: '3.6.11',
  JUJU_CHARM_DIR: '/var/lib/juju/agents/unit-tinyproxy-0/charm',
};

describe('contextFromEnv', () => {
  it('parses the hook environment into a read-only context', () => {
    const context = contextFromEnv(env, '/elsewhere');
    expect(context).toEqual({
      event: { kind: 'hook', name: 'start' },
      unitName: 'tinyproxy/0',
      modelName: 'test',
      jujuVersion: '3.6.11',
      charmDir: '/var/lib/juju/agents/unit-tinyproxy-0/charm',
    });
    expect(Object.isFrozen(context)).toBe(true);
  });

  it('falls back to the working directory for the charm dir', () => {
    expect(contextFromEnv({ ...env, JUJU_CHARM_DIR: undefined }, '/cwd').charmDir).toBe('/cwd');
  });

  it('names every missing variable in one message', () => {
    expect(() => contextFromEnv({ JUJU_DISPATCH_PATH: 'hooks/start' }, '/')).toThrow(
      'invalid Juju hook environment: JUJU_UNIT_NAME is not set: is this running under Juju?; JUJU_MODEL_NAME is not set: is this running under Juju?; JUJU_VERSION is not set: is this running under Juju?',
    );
  });

  it('rejects an empty dispatch path', () => {
    expect(() => contextFromEnv({ ...env, JUJU_DISPATCH_PATH: '' }, '/')).toThrow(/JUJU_DISPATCH_PATH is empty/);
  });
});
