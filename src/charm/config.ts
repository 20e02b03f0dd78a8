import * as z from 'zod/mini';
import type { RawConfig } from '../juju/tools/config.ts';
import { maxSlugLength } from '../workload/config-file.ts';
import { UPSTREAM } from './settings.ts';

/** The tutorial's rule for the slug, in the words of its blocked message. */
export const SLUG_PATTERN = /^[a-z0-9-]+$/;
/** Beyond this, tinyproxy cannot read its own ReversePath line. */
export const SLUG_MAX_LENGTH = maxSlugLength(UPSTREAM);

const CharmConfigSchema = z.object({
  slug: z.string().check(z.regex(SLUG_PATTERN), z.maxLength(SLUG_MAX_LENGTH)),
});

/** The validated charm config. */
export type CharmConfig = Readonly<z.infer<typeof CharmConfigSchema>>;

/** A parsed config: either valid, or the messages that say what is wrong. */
export type ConfigResult =
  | { readonly valid: true; readonly config: CharmConfig }
  | { readonly valid: false; readonly problems: readonly string[] };

const display = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined'));
const abbreviate = (text: string): string => `${text.slice(0, 32)}...' (${text.length} characters`;

/** Validates Juju's config; the slug message is the tutorial's, to the letter. */
export function parseCharmConfig(raw: RawConfig): ConfigResult {
  const parsed = z.safeParse(CharmConfigSchema, raw);
  if (parsed.success) return { valid: true, config: Object.freeze(parsed.data) };
  const slug = display(raw.slug);
  const onlyTooLong = parsed.error.issues.every((issue) => issue.code === 'too_big');
  return {
    valid: false,
    problems: [
      onlyTooLong
        ? `Invalid slug: '${abbreviate(slug)}). Slug must be at most ${SLUG_MAX_LENGTH} characters`
        : `Invalid slug: '${slug}'. Slug must match the regex [a-z0-9-]+`,
    ],
  };
}
