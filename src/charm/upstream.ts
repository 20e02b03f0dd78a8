/** Why an upstream URL cannot be used, or the URL tinyproxy should get. */
export type UpstreamCheck = { readonly ok: true; readonly url: string } | { readonly ok: false; readonly reason: string };

// Printable ASCII without quote, backslash or space: nothing that could leave its quotes in tinyproxy.conf.
const SAFE_TEXT = /^[!#-[\]-~]+$/;

/** Why port 0 is refused: tinyproxy 1.11.1 reads `:0` as "no port" (strip_return_port returns 0) and connects to 80. */
export const PORT_ZERO_REASON = 'tinyproxy reads port 0 as no port and would connect to port 80; use a port from 1 to 65535';
/** Why port 443 is refused: tinyproxy 1.11.1 writes `Host: <host>` without `:443` (as for 80), which means port 80. */
export const PORT_443_REASON = 'tinyproxy leaves port 443 out of the Host header it sends, which tells the upstream port 80 (and it cannot reach https upstreams); serve plain http on another port';

/**
 * Checks an upstream for tinyproxy's reverse mode, which only speaks plain HTTP: `http://host[:port][/path]`.
 * The path is made to end in `/`, because tinyproxy appends what follows `/<slug>/` to it as it is.
 * Values tinyproxy would read differently from the URL are refused (see PORT_ZERO_REASON, PORT_443_REASON).
 */
export function checkUpstream(value: string): UpstreamCheck {
  if (!SAFE_TEXT.test(value)) return { ok: false, reason: 'it must be printable ASCII without spaces, quotes or backslashes' };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, reason: 'it is not a URL; use http://host[:port][/path]' };
  }
  if (url.protocol === 'https:') return { ok: false, reason: "tinyproxy's reverse proxy cannot reach https upstreams; use http://" };
  if (url.protocol !== 'http:') return { ok: false, reason: `${url.protocol.slice(0, -1)} is not supported; use http://host[:port][/path]` };
  // The URL parser refuses an http URL without a host, but reads `http:h` as `http://h/`.
  if (!value.toLowerCase().startsWith('http://')) return { ok: false, reason: 'it has no host; use http://host[:port][/path]' };
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'credentials in the URL are not supported' };
  // Also an empty one (`http://h/?`), which the parser drops.
  if (value.includes('?') || value.includes('#')) return { ok: false, reason: 'a query or fragment is not supported' };
  // WHATWG keeps `:0` (and turns `:00` into `:0`); it drops `:80` and leading zeros, which tinyproxy reads alike.
  if (url.port === '0') return { ok: false, reason: PORT_ZERO_REASON };
  if (url.port === '443') return { ok: false, reason: PORT_443_REASON };
  const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  return { ok: true, url: `http://${url.host}${path}` };
}
