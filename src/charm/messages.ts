// The charm's status messages, in one place: the upstream tutorial's word for word, and the
// charm's own as README's status table shows them. Values are quoted as the tutorial quotes a slug.

/** A status message travels as one argv element (at most 128 KiB): values larger than this are quoted in part. */
export const QUOTE_LIMIT_BYTES = 16 * 1024;
/** Upstreams, and slugs refused for their length, are quoted in full only up to this size. */
export const SHORT_QUOTE_LIMIT_BYTES = 64;

const asText = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined'));

const isHuge = (text: string, limitBytes: number): boolean => Buffer.byteLength(text) > limitBytes;

const quotedInPart = (text: string): string => `'${text.slice(0, 32)}...' (${text.length} characters)`;

/** The value as the tutorial quotes it, `'<value>'`, or its start and length when it is huge. */
const quote = (value: unknown, limitBytes = QUOTE_LIMIT_BYTES): string => {
  const text = asText(value);
  return isHuge(text, limitBytes) ? quotedInPart(text) : `'${text}'`;
};

const capitalised = (text: string): string => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

/** Maintenance: tinyproxy is not installed (the tutorial's). */
export const WAITING_FOR_INSTALL = 'Waiting for tinyproxy to be installed';
/** Maintenance: tinyproxy is installed but not running (the tutorial's). */
export const WAITING_FOR_START = 'Waiting for tinyproxy to start';

/** Logged (INFO) before a reload (the tutorial's). */
export const CONFIG_CHANGED_LOG = 'Config changed while tinyproxy is running. Updating tinyproxy config';
/** Logged (WARNING) when a tinyproxy the charm started is found dead. */
export const DIED_LOG = 'tinyproxy should be running but is not (it died or was killed): starting it again';

/** Blocked: a slug outside the tutorial's regex (the tutorial's). */
export const invalidSlug = (value: unknown): string => `Invalid slug: ${quote(value)}. Slug must match the regex [a-z0-9-]+`;

/** Blocked: a slug too long for tinyproxy's config line with this upstream. */
export const slugTooLong = (slug: string, longest: number): string => `Invalid slug: ${quote(slug, SHORT_QUOTE_LIMIT_BYTES)}. Slug must be at most ${longest} characters with this upstream`;

/** Blocked: the server-port is SSH's. */
export const portReserved = (port: number): string => `Invalid server-port: ${port}. Port ${port} is reserved for SSH`;

/** Blocked: a server-port that is no TCP port; it is named bare (`Invalid server-port: 0.`), a huge value quoted in part. */
export const invalidPort = (value: unknown): string => {
  const text = asText(value);
  return `Invalid server-port: ${isHuge(text, QUOTE_LIMIT_BYTES) ? quotedInPart(text) : text}. It must be an integer from 1 to 65535`;
};

/** Blocked: an upstream refused for `reason` (one of UPSTREAM_REASONS' sentences, capitalised here). */
export const invalidUpstream = (value: unknown, reason: string): string => `Invalid upstream: ${quote(value, SHORT_QUOTE_LIMIT_BYTES)}. ${capitalised(reason)}`;

/** Blocked: an upstream that leaves no room for a slug in tinyproxy's config line. */
export const upstreamTooLong = (value: unknown, limit: number): string =>
  `Invalid upstream: ${quote(value, SHORT_QUOTE_LIMIT_BYTES)}. It must be at most ${limit} characters (tinyproxy's config line limit)`;

/** Blocked: another process holds the configured port; `holders` names each as `<comm> (pid <pid>)`. */
export const portInUse = (port: number, holders: string): string => `Port ${port} is in use by ${holders}; stop it or choose another server-port`;

/** Maintenance: tinyproxy runs but this hook's repair failed; `reason` is what the serving check saw. */
export const notServing = (slug: string, port: number, reason: string): string => `tinyproxy runs but does not serve /${slug}/ on port ${port} (${reason}); the next hook repairs it`;

/** Why an upstream is refused, completing `Invalid upstream: '<value>'. <reason>`. */
export const UPSTREAM_REASONS = {
  notString: 'it must be a string',
  unsafeText: 'it must be printable ASCII without spaces, quotes or backslashes',
  notUrl: 'it is not a URL; use http://host[:port][/path]',
  https: "tinyproxy's reverse proxy cannot reach https upstreams; use http://",
  noHost: 'it has no host; use http://host[:port][/path]',
  credentials: 'credentials in the URL are not supported',
  queryOrFragment: 'a query or fragment is not supported',
  /** tinyproxy 1.11.1 reads `:0` as "no port" (strip_return_port returns 0) and connects to 80. */
  portZero: 'tinyproxy reads port 0 as no port and would connect to port 80; use a port from 1 to 65535',
  /** tinyproxy 1.11.1 writes `Host: <host>` without `:443` (as for 80), which means port 80. */
  port443: 'tinyproxy leaves port 443 out of the Host header it sends, which tells the upstream port 80 (and it cannot reach https upstreams); serve plain http on another port',
} as const;

/** Why an upstream with another scheme than http is refused. */
export const unsupportedScheme = (scheme: string): string => `${scheme} is not supported; use http://host[:port][/path]`;
