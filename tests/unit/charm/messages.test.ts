// The spec of the charm's status messages: the one test that asserts their exact text; every
// other test takes them from src/charm/messages.ts. The tutorial's messages are as in
// ../shared/reference/tutorial-machine-tinyproxy.md (its charm's collect-status handler and unit
// tests, and its reload log line); the charm's own are as in README.md's status table.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CONFIG_CHANGED_LOG,
  DIED_LOG,
  invalidPort,
  invalidSlug,
  invalidUpstream,
  notServing,
  portInUse,
  portReserved,
  QUOTE_LIMIT_BYTES,
  SHORT_QUOTE_LIMIT_BYTES,
  slugTooLong,
  UPSTREAM_REASONS,
  unsupportedScheme,
  upstreamTooLong,
  WAITING_FOR_INSTALL,
  WAITING_FOR_START,
} from '../../../src/charm/messages.ts';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe("the tutorial's messages, word for word", () => {
  it('waits for tinyproxy to be installed, then to start', () => {
    expect(WAITING_FOR_INSTALL).toBe('Waiting for tinyproxy to be installed');
    expect(WAITING_FOR_START).toBe('Waiting for tinyproxy to start');
  });

  it('logs a reload', () => {
    expect(CONFIG_CHANGED_LOG).toBe('Config changed while tinyproxy is running. Updating tinyproxy config');
  });

  it('blocks on a slug outside the regex, quoting it', () => {
    expect(invalidSlug('foo/bar')).toBe("Invalid slug: 'foo/bar'. Slug must match the regex [a-z0-9-]+");
    expect(invalidSlug('')).toBe("Invalid slug: ''. Slug must match the regex [a-z0-9-]+");
  });
});

describe("the charm's own messages", () => {
  it('warns of a dead tinyproxy', () => {
    expect(DIED_LOG).toBe('tinyproxy should be running but is not (it died or was killed): starting it again');
  });

  it("refuses SSH's port", () => {
    expect(portReserved(22)).toBe('Invalid server-port: 22. Port 22 is reserved for SSH');
  });

  it('names a port that is no TCP port bare', () => {
    expect(invalidPort(70000)).toBe('Invalid server-port: 70000. It must be an integer from 1 to 65535');
    expect(invalidPort('abc')).toBe('Invalid server-port: abc. It must be an integer from 1 to 65535');
    expect(invalidPort(undefined)).toBe('Invalid server-port: undefined. It must be an integer from 1 to 65535');
    expect(invalidPort(null)).toBe('Invalid server-port: null. It must be an integer from 1 to 65535');
  });

  it('capitalises the reason an upstream is refused', () => {
    expect(invalidUpstream('https://www.example.com/', UPSTREAM_REASONS.https)).toBe(
      "Invalid upstream: 'https://www.example.com/'. Tinyproxy's reverse proxy cannot reach https upstreams; use http://",
    );
    expect(invalidUpstream(42, UPSTREAM_REASONS.notString)).toBe("Invalid upstream: '42'. It must be a string");
    expect(invalidUpstream(undefined, UPSTREAM_REASONS.notString)).toBe("Invalid upstream: 'undefined'. It must be a string");
  });

  it('says how long an upstream or a slug may be', () => {
    expect(upstreamTooLong('http://h/', 2027)).toBe("Invalid upstream: 'http://h/'. It must be at most 2027 characters (tinyproxy's config line limit)");
    expect(slugTooLong('ab', 1)).toBe("Invalid slug: 'ab'. Slug must be at most 1 characters with this upstream");
  });

  it('names who holds the port', () => {
    expect(portInUse(8000, 'nc (pid 42), nc (pid 43)')).toBe('Port 8000 is in use by nc (pid 42), nc (pid 43); stop it or choose another server-port');
  });

  it('says what the serving check saw', () => {
    expect(notServing('example', 8000, 'it does not map /example/')).toBe('tinyproxy runs but does not serve /example/ on port 8000 (it does not map /example/); the next hook repairs it');
  });

  it('says why an upstream is refused', () => {
    expect(UPSTREAM_REASONS).toEqual({
      notString: 'it must be a string',
      unsafeText: 'it must be printable ASCII without spaces, quotes or backslashes',
      notUrl: 'it is not a URL; use http://host[:port][/path]',
      https: "tinyproxy's reverse proxy cannot reach https upstreams; use http://",
      noHost: 'it has no host; use http://host[:port][/path]',
      credentials: 'credentials in the URL are not supported',
      queryOrFragment: 'a query or fragment is not supported',
      portZero: 'tinyproxy reads port 0 as no port and would connect to port 80; use a port from 1 to 65535',
      port443: 'tinyproxy leaves port 443 out of the Host header it sends, which tells the upstream port 80 (and it cannot reach https upstreams); serve plain http on another port',
    });
    expect(unsupportedScheme('ftp')).toBe('ftp is not supported; use http://host[:port][/path]');
  });
});

describe('huge values', () => {
  it('keep messages within one argv element: quoted in full up to 16 KiB, then their start and length', () => {
    expect(QUOTE_LIMIT_BYTES).toBe(16384);
    expect(invalidSlug('A'.repeat(16384))).toBe(`Invalid slug: '${'A'.repeat(16384)}'. Slug must match the regex [a-z0-9-]+`);
    expect(invalidSlug('A'.repeat(16385))).toBe(`Invalid slug: '${'A'.repeat(32)}...' (16385 characters). Slug must match the regex [a-z0-9-]+`);
    expect(invalidPort('9'.repeat(16384))).toBe(`Invalid server-port: ${'9'.repeat(16384)}. It must be an integer from 1 to 65535`);
    expect(invalidPort('9'.repeat(16385))).toBe(`Invalid server-port: '${'9'.repeat(32)}...' (16385 characters). It must be an integer from 1 to 65535`);
  });

  it('count bytes, not characters', () => {
    // 8193 two-byte characters: 16386 bytes, quoted in part.
    expect(invalidSlug('é'.repeat(8193))).toBe(`Invalid slug: '${'é'.repeat(32)}...' (8193 characters). Slug must match the regex [a-z0-9-]+`);
    expect(invalidSlug('é'.repeat(8192))).toBe(`Invalid slug: '${'é'.repeat(8192)}'. Slug must match the regex [a-z0-9-]+`);
  });

  it('quote upstreams, and slugs too long for the upstream, in full only up to 64 bytes', () => {
    expect(SHORT_QUOTE_LIMIT_BYTES).toBe(64);
    const at = `http://h/${'p'.repeat(55)}`;
    expect(invalidUpstream(at, 'r')).toBe(`Invalid upstream: '${at}'. R`);
    expect(invalidUpstream(`${at}q`, 'r')).toBe(`Invalid upstream: '${at.slice(0, 32)}...' (65 characters). R`);
    expect(upstreamTooLong(`${at}q`, 9)).toBe(`Invalid upstream: '${at.slice(0, 32)}...' (65 characters). It must be at most 9 characters (tinyproxy's config line limit)`);
    expect(slugTooLong('a'.repeat(64), 1)).toBe(`Invalid slug: '${'a'.repeat(64)}'. Slug must be at most 1 characters with this upstream`);
    expect(slugTooLong('a'.repeat(65), 1)).toBe(`Invalid slug: '${'a'.repeat(32)}...' (65 characters). Slug must be at most 1 characters with this upstream`);
  });
});

describe("README's status table", () => {
  // Each row's message, with the table's placeholders filled in as the charm fills them; made in
  // the test, not when the table is collected, so that a broken message fails a test.
  it.each([
    ['blocked', "Invalid slug: '<value>'. Slug must match the regex [a-z0-9-]+", () => invalidSlug('<value>')],
    ['blocked', 'Invalid server-port: 22. Port 22 is reserved for SSH', () => portReserved(22)],
    ['blocked', '... It must be an integer from 1 to 65535', () => invalidPort(0).replace('Invalid server-port: 0.', '...')],
    ['blocked', "Invalid upstream: '<value>'. <reason>", () => invalidUpstream('<value>', '<reason>')],
    ['blocked', "Tinyproxy's reverse proxy cannot reach https upstreams; use http://", () => invalidUpstream('', UPSTREAM_REASONS.https).replace("Invalid upstream: ''. ", '')],
    ['maintenance', 'Waiting for tinyproxy to be installed', () => WAITING_FOR_INSTALL],
    ['blocked', 'Port <port> is in use by <program> (pid <pid>); stop it or choose another server-port', () => portInUse(Number.NaN, '<program> (pid <pid>)').replace('NaN', '<port>')],
    ['maintenance', 'Waiting for tinyproxy to start', () => WAITING_FOR_START],
    ['maintenance', 'tinyproxy runs but does not serve /<slug>/ on port <port> (<reason>); the next hook repairs it', () => notServing('<slug>', Number.NaN, '<reason>').replace('NaN', '<port>')],
  ])('shows %s `%s`', (_status, shown, message) => {
    expect(message()).toBe(shown);
    expect(readme).toContain(`\`${shown}\``);
  });
});
