import * as z from 'zod/mini';
import type { RawConfig } from '../juju/tools/config.ts';
import { maxSlugLength } from '../workload/config-file.ts';
import { checkUpstream, type UpstreamCheck } from './upstream.ts';

/** The tutorial's rule for the slug, in the words of its blocked message. */
const SLUG_PATTERN = /^[a-z0-9-]+$/;
/** The port SSH uses: never the proxy's. */
const SSH_PORT = 22;

const CharmConfigSchema = z.object({
  slug: z.string().check(z.regex(SLUG_PATTERN)),
  'server-port': z.int().check(
    z.gte(1),
    z.lte(65535),
    z.refine((port) => port !== SSH_PORT),
  ),
  upstream: z.string(),
});

/** The validated charm config, with the upstream normalised. */
export interface CharmConfig {
  readonly slug: string;
  readonly port: number;
  readonly upstream: string;
}

/** A parsed config: either valid, or the messages that say what is wrong. */
export type ConfigResult = { readonly valid: true; readonly config: CharmConfig } | { readonly valid: false; readonly problems: readonly string[] };

/** A status message travels as one argv element (at most 128 KiB): values larger than this are quoted in part. */
export const QUOTE_LIMIT_BYTES = 16 * 1024;
/** Upstreams, and slugs refused for their length, are quoted in full only up to this size. */
export const SHORT_QUOTE_LIMIT_BYTES = 64;

const asText = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined'));

/** The value as the tutorial quotes it, `'<value>'`, or its start and length when it is huge. */
const quote = (value: unknown, limitBytes = QUOTE_LIMIT_BYTES): string => {
  const text = asText(value);
  return Buffer.byteLength(text) > limitBytes ? `'${text.slice(0, 32)}...' (${text.length} characters)` : `'${text}'`;
};

/** A port is named bare (`Invalid server-port: 0.`), a huge value quoted in part. */
const portProblem = (value: unknown): string => {
  if (value === SSH_PORT) return `Invalid server-port: ${SSH_PORT}. Port ${SSH_PORT} is reserved for SSH`;
  const text = asText(value);
  return `Invalid server-port: ${Buffer.byteLength(text) > QUOTE_LIMIT_BYTES ? quote(text) : text}. It must be an integer from 1 to 65535`;
};

const capitalised = (text: string): string => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

/** Validates Juju's config and names every problem; a lone slug problem reads as in the tutorial. */
export function parseCharmConfig(raw: RawConfig): ConfigResult {
  const parsed = z.safeParse(CharmConfigSchema, raw);
  const failed = new Set(parsed.error?.issues.map((issue) => String(issue.path[0])));
  const problems: string[] = [];
  if (failed.has('slug')) problems.push(`Invalid slug: ${quote(raw.slug)}. Slug must match the regex [a-z0-9-]+`);
  if (failed.has('server-port')) problems.push(portProblem(raw['server-port']));
  const upstream: UpstreamCheck = typeof raw.upstream === 'string' ? checkUpstream(raw.upstream) : { ok: false, reason: 'it must be a string' };
  if (!upstream.ok) problems.push(`Invalid upstream: ${quote(raw.upstream, SHORT_QUOTE_LIMIT_BYTES)}. ${capitalised(upstream.reason)}`);
  // Every failure named its option above.
  if (!upstream.ok || !parsed.success) return { valid: false, problems };
  const { slug } = parsed.data;
  const longest = maxSlugLength(upstream.url);
  if (longest < 1) {
    const upstreamLimit = upstream.url.length + longest - 1;
    return { valid: false, problems: [`Invalid upstream: ${quote(raw.upstream, SHORT_QUOTE_LIMIT_BYTES)}. It must be at most ${upstreamLimit} characters (tinyproxy's config line limit)`] };
  }
  if (slug.length > longest) {
    return { valid: false, problems: [`Invalid slug: ${quote(slug, SHORT_QUOTE_LIMIT_BYTES)}. Slug must be at most ${longest} characters with this upstream`] };
  }
  return { valid: true, config: Object.freeze({ slug, port: parsed.data['server-port'], upstream: upstream.url }) };
}
