import * as z from 'zod/mini';
import { eventFromDispatchPath, type JujuEvent } from './event.ts';

const required = (name: string) => z.string({ error: `${name} is not set: is this running under Juju?` }).check(z.minLength(1, `${name} is empty`));

const EnvSchema = z.object({
  JUJU_DISPATCH_PATH: required('JUJU_DISPATCH_PATH'),
  JUJU_UNIT_NAME: required('JUJU_UNIT_NAME'),
  JUJU_MODEL_NAME: required('JUJU_MODEL_NAME'),
  JUJU_VERSION: required('JUJU_VERSION'),
  JUJU_CHARM_DIR: z.optional(z.string()),
});

/** The hook's Juju context, parsed once from the environment. */
export interface JujuContext {
  readonly event: JujuEvent;
  readonly unitName: string;
  readonly modelName: string;
  readonly jujuVersion: string;
  readonly charmDir: string;
}

/** Parses `JUJU_*` variables; throws one clear message naming every missing variable. */
export function contextFromEnv(env: Readonly<Record<string, string | undefined>>, cwd: string): JujuContext {
  const parsed = z.safeParse(EnvSchema, env);
  if (!parsed.success) {
    throw new Error(`invalid Juju hook environment: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
  }
  const vars = parsed.data;
  return Object.freeze({
    event: eventFromDispatchPath(vars.JUJU_DISPATCH_PATH),
    unitName: vars.JUJU_UNIT_NAME,
    modelName: vars.JUJU_MODEL_NAME,
    jujuVersion: vars.JUJU_VERSION,
    charmDir: vars.JUJU_CHARM_DIR || cwd,
  });
}
