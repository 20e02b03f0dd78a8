import { UPSTREAM_REASONS, unsupportedScheme } from './messages.ts';

/** Why an upstream URL cannot be used, or the URL tinyproxy should get. */
export type UpstreamCheck = { readonly ok: true; readonly url: string } | { readonly ok: false; readonly reason: string };

// Printable ASCII without quote, backslash or space: nothing that could leave its quotes in tinyproxy.conf.
const SAFE_TEXT = /^[!#-[\]-~]+$/;

/**
 * Checks an upstream for tinyproxy's reverse mode, which only speaks plain HTTP: `http://host[:port][/path]`.
 * The path is made to end in `/`, because tinyproxy appends what follows `/<slug>/` to it as it is.
 * Values tinyproxy would read differently from the URL are refused (see UPSTREAM_REASONS.portZero, .port443).
 */
export function checkUpstream(value: string): UpstreamCheck {
  if (!SAFE_TEXT.test(value)) return { ok: false, reason: UPSTREAM_REASONS.unsafeText };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, reason: UPSTREAM_REASONS.notUrl };
  }
  if (url.protocol === 'https:') return { ok: false, reason: UPSTREAM_REASONS.https };
  if (url.protocol !== 'http:') return { ok: false, reason: unsupportedScheme(url.protocol.slice(0, -1)) };
  // The URL parser refuses an http URL without a host, but reads `http:h` as `http://h/`.
  if (!value.toLowerCase().startsWith('http://')) return { ok: false, reason: UPSTREAM_REASONS.noHost };
  if (url.username !== '' || url.password !== '') return { ok: false, reason: UPSTREAM_REASONS.credentials };
  // Also an empty one (`http://h/?`), which the parser drops.
  if (value.includes('?') || value.includes('#')) return { ok: false, reason: UPSTREAM_REASONS.queryOrFragment };
  // WHATWG keeps `:0` (and turns `:00` into `:0`); it drops `:80` and leading zeros, which tinyproxy reads alike.
  if (url.port === '0') return { ok: false, reason: UPSTREAM_REASONS.portZero };
  if (url.port === '443') return { ok: false, reason: UPSTREAM_REASONS.port443 };
  const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  return { ok: true, url: `http://${url.host}${path}` };
}
