import * as z from 'zod/mini';
import type { RawConfig } from '../juju/tools/config.ts';

/** The tutorial's rule for the slug, in the words of its blocked message. */
export const SLUG_PATTERN = /^[a-z0-9-]+$/;

const CharmConfigSchema = z.object({
  slug: z.string().check(z.regex(SLUG_PATTERN)),
});

/** The validated charm config. */
export type CharmConfig = Readonly<z.infer<typeof CharmConfigSchema>>;

/** A parsed config: either valid, or the messages that say what is wrong. */
export type ConfigResult =
  | { readonly valid: true; readonly config: CharmConfig }
  | { readonly valid: false; readonly problems: readonly string[] };

const display = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value) ?? 'undefined');

/** Validates Juju's config; the slug message is the tutorial's, to the letter. */
export function parseCharmConfig(raw: RawConfig): ConfigResult {
  const parsed = z.safeParse(CharmConfigSchema, raw);
  if (parsed.success) return { valid: true, config: Object.freeze(parsed.data) };
  return { valid: false, problems: [`Invalid slug: '${display(raw.slug)}'. Slug must match the regex [a-z0-9-]+`] };
}
