import { describe, expect, it } from 'vitest';
import { parseCharmConfig, QUOTE_LIMIT_BYTES, SHORT_QUOTE_LIMIT_BYTES } from '../../../src/charm/config.ts';

const defaults = { slug: 'example', 'server-port': 8000, upstream: 'http://www.example.com/' };
const regexMessage = (slug: string) => `Invalid slug: '${slug}'. Slug must match the regex [a-z0-9-]+`;
const valid = (overrides: Record<string, unknown>) => parseCharmConfig({ ...defaults, ...overrides });

describe('parseCharmConfig: slug', () => {
  it.each(['example', 'foo', '-', '0', 'a'.repeat(63), 'a-b-0'])('accepts %j', (slug) => {
    expect(valid({ slug })).toEqual({ valid: true, config: { slug, port: 8000, upstream: 'http://www.example.com/' } });
  });

  it.each(['', 'foo_bar', 'foo/bar', 'Foo', ' foo', 'foo ', '.', '..', 'a.b', '"', "'", '`id`', '$(id)', 'a\\b', 'a\nPort 22', 'a\tb', 'a\0b', 'é', '🙂'])(
    'refuses %j with the tutorial message, alone',
    (slug) => {
      expect(valid({ slug })).toEqual({ valid: false, problems: [regexMessage(slug)] });
    },
  );

  it('refuses a slug tinyproxy could not read back, with its length', () => {
    expect(valid({ slug: 'a'.repeat(2005) }).valid).toBe(true);
    expect(valid({ slug: 'a'.repeat(10_000) })).toEqual({
      valid: false,
      problems: [`Invalid slug: '${'a'.repeat(32)}...' (10000 characters). Slug must be at most 2005 characters with this upstream`],
    });
  });

  it('the longest slug depends on the upstream', () => {
    const upstream = `http://backend.internal:8080/${'p'.repeat(100)}/`;
    expect(valid({ slug: 'a'.repeat(2005), upstream }).valid).toBe(false);
  });

  it('a long slug with a bad character gets the regex message', () => {
    const slug = `${'a'.repeat(3000)}_`;
    expect(valid({ slug })).toEqual({ valid: false, problems: [regexMessage(slug)] });
  });

  it('a missing or non-string slug is invalid', () => {
    expect(parseCharmConfig({ ...defaults, slug: undefined })).toEqual({ valid: false, problems: [regexMessage('undefined')] });
    expect(valid({ slug: 42 })).toEqual({ valid: false, problems: [regexMessage('42')] });
  });
});

describe('parseCharmConfig: server-port', () => {
  it.each([1, 80, 8001, 65535])('accepts %j', (port) => {
    expect(valid({ 'server-port': port })).toMatchObject({ valid: true, config: { port } });
  });

  it('refuses 22, naming the option', () => {
    expect(valid({ 'server-port': 22 })).toEqual({ valid: false, problems: ['Invalid server-port: 22. Port 22 is reserved for SSH'] });
  });

  it.each([0, -1, 65536, 1.5, '8000'])('refuses %j', (port) => {
    expect(valid({ 'server-port': port })).toEqual({
      valid: false,
      problems: [`Invalid server-port: ${typeof port === 'string' ? port : String(port)}. It must be an integer from 1 to 65535`],
    });
  });
});

describe('parseCharmConfig: upstream', () => {
  it.each([
    ['http://www.example.com/', 'http://www.example.com/'],
    ['http://www.example.com', 'http://www.example.com/'],
    ['http://10.0.0.5:8080', 'http://10.0.0.5:8080/'],
    ['http://backend:9000/base', 'http://backend:9000/base/'],
    ['http://backend/base/', 'http://backend/base/'],
    ['HTTP://Backend.Example', 'http://backend.example/'],
    ['http://[::1]:9000/x', 'http://[::1]:9000/x/'],
    ['http://backend:8080/base', 'http://backend:8080/base/'],
    ['http://backend:08080/base', 'http://backend:8080/base/'],
    ['http://backend:8443/', 'http://backend:8443/'],
  ])('accepts %j as %j', (upstream, url) => {
    expect(valid({ upstream })).toMatchObject({ valid: true, config: { upstream: url } });
  });

  it.each([
    ['https://www.example.com/', "Tinyproxy's reverse proxy cannot reach https upstreams; use http://"],
    ['ftp://host/', 'Ftp is not supported; use http://host[:port][/path]'],
    ['www.example.com', 'It is not a URL; use http://host[:port][/path]'],
    ['http://h/"; Port 22', 'It must be printable ASCII without spaces, quotes or backslashes'],
    ['http://h/\nPort 22', 'It must be printable ASCII without spaces, quotes or backslashes'],
    ['http://user:pw@h/', 'Credentials in the URL are not supported'],
    ['http://h/?q=1', 'A query or fragment is not supported'],
    ['http:h', 'It has no host; use http://host[:port][/path]'],
    ['http://127.0.0.1:0/', 'Tinyproxy reads port 0 as no port and would connect to port 80; use a port from 1 to 65535'],
    ['http://backend:00/base', 'Tinyproxy reads port 0 as no port and would connect to port 80; use a port from 1 to 65535'],
    ['http://backend:443/', 'Tinyproxy leaves port 443 out of the Host header it sends, which tells the upstream port 80 (and it cannot reach https upstreams); serve plain http on another port'],
    ['', 'It must be printable ASCII without spaces, quotes or backslashes'],
  ])('refuses %j: %s', (upstream, reason) => {
    expect(valid({ upstream })).toEqual({ valid: false, problems: [`Invalid upstream: '${upstream}'. ${reason}`] });
  });
});

describe('parseCharmConfig: a value of another type', () => {
  it.each([
    [42, "'42'"],
    [undefined, "'undefined'"],
    [null, "'null'"],
  ])('upstream %j: it must be a string', (upstream, quoted) => {
    expect(parseCharmConfig({ ...defaults, upstream })).toEqual({ valid: false, problems: [`Invalid upstream: ${quoted}. It must be a string`] });
  });

  it('a missing port is named as such', () => {
    expect(parseCharmConfig({ slug: 'example', upstream: defaults.upstream })).toEqual({ valid: false, problems: ['Invalid server-port: undefined. It must be an integer from 1 to 65535'] });
  });
});

describe('parseCharmConfig: values too big to quote or to fit tinyproxy', () => {
  it('a value of exactly the quote limit is quoted whole, one byte more in part', () => {
    const atLimit = 'A'.repeat(QUOTE_LIMIT_BYTES);
    expect(valid({ slug: atLimit })).toEqual({ valid: false, problems: [regexMessage(atLimit)] });
    expect(valid({ slug: `${atLimit}A` })).toEqual({
      valid: false,
      problems: [`Invalid slug: '${'A'.repeat(32)}...' (${QUOTE_LIMIT_BYTES + 1} characters). Slug must match the regex [a-z0-9-]+`],
    });
  });

  it('a huge port is quoted in part, one at the limit shown bare', () => {
    const atLimit = '9'.repeat(QUOTE_LIMIT_BYTES);
    expect(valid({ 'server-port': atLimit })).toEqual({ valid: false, problems: [`Invalid server-port: ${atLimit}. It must be an integer from 1 to 65535`] });
    expect(valid({ 'server-port': `${atLimit}9` })).toEqual({
      valid: false,
      problems: [`Invalid server-port: '${'9'.repeat(32)}...' (${QUOTE_LIMIT_BYTES + 1} characters). It must be an integer from 1 to 65535`],
    });
  });

  it('an invalid upstream is quoted whole up to the short limit', () => {
    const upstream = `https://h/${'p'.repeat(SHORT_QUOTE_LIMIT_BYTES - 'https://h/'.length)}`;
    expect(upstream).toHaveLength(SHORT_QUOTE_LIMIT_BYTES);
    expect(valid({ upstream })).toEqual({ valid: false, problems: [`Invalid upstream: '${upstream}'. Tinyproxy's reverse proxy cannot reach https upstreams; use http://`] });
    expect(valid({ upstream: `${upstream}p` })).toEqual({
      valid: false,
      problems: [`Invalid upstream: '${upstream.slice(0, 32)}...' (${SHORT_QUOTE_LIMIT_BYTES + 1} characters). Tinyproxy's reverse proxy cannot reach https upstreams; use http://`],
    });
  });

  it('a slug too big for one status message is quoted in part, with its length', () => {
    const slug = `${'A'.repeat(140_000)}`;
    expect(valid({ slug })).toEqual({ valid: false, problems: [`Invalid slug: '${'A'.repeat(32)}...' (140000 characters). Slug must match the regex [a-z0-9-]+`] });
  });

  it('an upstream longer than a config line is blamed on the upstream, with its limit', () => {
    const upstream = `http://h/${'p'.repeat(2100)}/`;
    expect(valid({ upstream })).toEqual({
      valid: false,
      problems: [`Invalid upstream: '${upstream.slice(0, 32)}...' (${upstream.length} characters). It must be at most 2027 characters (tinyproxy's config line limit)`],
    });
    const longest = `http://h/${'p'.repeat(2027 - 'http://h//'.length)}/`;
    expect(valid({ upstream: longest, slug: 'a' })).toMatchObject({ valid: true, config: { upstream: longest } });
    expect(valid({ upstream: longest, slug: 'ab' })).toEqual({ valid: false, problems: ["Invalid slug: 'ab'. Slug must be at most 1 characters with this upstream"] });
  });
});

describe('parseCharmConfig: every problem is reported', () => {
  it('names each invalid option, in order', () => {
    expect(parseCharmConfig({ slug: 'a/b', 'server-port': 22, upstream: 'https://x/' })).toEqual({
      valid: false,
      problems: [regexMessage('a/b'), 'Invalid server-port: 22. Port 22 is reserved for SSH', "Invalid upstream: 'https://x/'. Tinyproxy's reverse proxy cannot reach https upstreams; use http://"],
    });
  });
});
