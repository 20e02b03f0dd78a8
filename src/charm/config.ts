import * as z from 'zod/mini';
import type { RawConfig } from '../juju/tools/config.ts';
import { maxSlugLength } from '../workload/config-file.ts';
import { invalidPort, invalidSlug, invalidUpstream, portReserved, slugTooLong, UPSTREAM_REASONS, upstreamTooLong } from './messages.ts';
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

/** Validates Juju's config and names every problem; a lone slug problem reads as in the tutorial. */
export function parseCharmConfig(raw: RawConfig): ConfigResult {
  const parsed = z.safeParse(CharmConfigSchema, raw);
  const failed = new Set(parsed.error?.issues.map((issue) => String(issue.path[0])));
  const problems: string[] = [];
  if (failed.has('slug')) problems.push(invalidSlug(raw.slug));
  if (failed.has('server-port')) problems.push(raw['server-port'] === SSH_PORT ? portReserved(SSH_PORT) : invalidPort(raw['server-port']));
  const upstream: UpstreamCheck = typeof raw.upstream === 'string' ? checkUpstream(raw.upstream) : { ok: false, reason: UPSTREAM_REASONS.notString };
  if (!upstream.ok) problems.push(invalidUpstream(raw.upstream, upstream.reason));
  // Every failure named its option above.
  if (!upstream.ok || !parsed.success) return { valid: false, problems };
  const { slug } = parsed.data;
  const longest = maxSlugLength(upstream.url);
  if (longest < 1) {
    const upstreamLimit = upstream.url.length + longest - 1;
    return { valid: false, problems: [upstreamTooLong(raw.upstream, upstreamLimit)] };
  }
  if (slug.length > longest) {
    return { valid: false, problems: [slugTooLong(slug, longest)] };
  }
  return { valid: true, config: Object.freeze({ slug, port: parsed.data['server-port'], upstream: upstream.url }) };
}
