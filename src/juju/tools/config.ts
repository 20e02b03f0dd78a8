import type { ToolRunner } from '../run.ts';

/** The charm's config as Juju reports it: option name to JSON value. */
export type RawConfig = Readonly<Record<string, unknown>>;

/** `config-get --format=json`: every option that is set or has a default. */
export async function configGet(run: ToolRunner): Promise<RawConfig> {
  const parsed: unknown = JSON.parse(await run(['config-get', '--format=json']));
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`config-get returned ${JSON.stringify(parsed)}, not a JSON object`);
  }
  return Object.freeze({ ...(parsed as Record<string, unknown>) });
}
