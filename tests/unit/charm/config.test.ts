import { describe, expect, it } from 'vitest';
import { parseCharmConfig } from '../../../src/charm/config.ts';
import {
  invalidPort,
  invalidSlug,
  invalidUpstream,
  portReserved,
  QUOTE_LIMIT_BYTES,
  SHORT_QUOTE_LIMIT_BYTES,
  slugTooLong,
  UPSTREAM_REASONS,
  unsupportedScheme,
  upstreamTooLong,
} from '../../../src/charm/messages.ts';

const defaults = { slug: 'example', 'server-port': 8000, upstream: 'http://www.example.com/' };
const valid = (overrides: Record<string, unknown>) => parseCharmConfig({ ...defaults, ...overrides });

describe('parseCharmConfig: slug', () => {
  it.each(['example', 'foo', '-', '0', 'a'.repeat(63), 'a-b-0'])('accepts %j', (slug) => {
    expect(valid({ slug })).toEqual({ valid: true, config: { slug, port: 8000, upstream: 'http://www.example.com/' } });
  });

  it.each(['', 'foo_bar', 'foo/bar', 'Foo', ' foo', 'foo ', '.', '..', 'a.b', '"', "'", '`id`', '$(id)', 'a\\b', 'a\nPort 22', 'a\tb', 'a\0b', 'é', '🙂'])(
    'refuses %j with the tutorial message, alone',
    (slug) => {
      expect(valid({ slug })).toEqual({ valid: false, problems: [invalidSlug(slug)] });
    },
  );

  it('refuses a slug tinyproxy could not read back, with its length', () => {
    expect(valid({ slug: 'a'.repeat(2005) }).valid).toBe(true);
    expect(valid({ slug: 'a'.repeat(10_000) })).toEqual({
      valid: false,
      problems: [slugTooLong('a'.repeat(10_000), 2005)],
    });
  });

  it('the longest slug depends on the upstream', () => {
    const upstream = `http://backend.internal:8080/${'p'.repeat(100)}/`;
    expect(valid({ slug: 'a'.repeat(2005), upstream }).valid).toBe(false);
  });

  it('a long slug with a bad character gets the regex message', () => {
    const slug = `${'a'.repeat(3000)}_`;
    expect(valid({ slug })).toEqual({ valid: false, problems: [invalidSlug(slug)] });
  });

  it('a missing or non-string slug is invalid', () => {
    expect(parseCharmConfig({ ...defaults, slug: undefined })).toEqual({ valid: false, problems: [invalidSlug(undefined)] });
    expect(valid({ slug: 42 })).toEqual({ valid: false, problems: [invalidSlug(42)] });
  });
});

describe('parseCharmConfig: server-port', () => {
  it.each([1, 80, 8001, 65535])('accepts %j', (port) => {
    expect(valid({ 'server-port': port })).toMatchObject({ valid: true, config: { port } });
  });

  it('refuses 22, naming the option', () => {
    expect(valid({ 'server-port': 22 })).toEqual({ valid: false, problems: [portReserved(22)] });
  });

  it.each([0, -1, 65536, 1.5, '8000'])('refuses %j', (port) => {
    expect(valid({ 'server-port': port })).toEqual({
      valid: false,
      problems: [invalidPort(port)],
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
    ['https://www.example.com/', UPSTREAM_REASONS.https],
    ['ftp://host/', unsupportedScheme('ftp')],
    ['www.example.com', UPSTREAM_REASONS.notUrl],
    ['http://h/"; Port 22', UPSTREAM_REASONS.unsafeText],
    ['http://h/\nPort 22', UPSTREAM_REASONS.unsafeText],
    ['http://user:pw@h/', UPSTREAM_REASONS.credentials],
    ['http://h/?q=1', UPSTREAM_REASONS.queryOrFragment],
    ['http:h', UPSTREAM_REASONS.noHost],
    ['http://127.0.0.1:0/', UPSTREAM_REASONS.portZero],
    ['http://backend:00/base', UPSTREAM_REASONS.portZero],
    ['http://backend:443/', UPSTREAM_REASONS.port443],
    ['', UPSTREAM_REASONS.unsafeText],
  ])('refuses %j: %s', (upstream, reason) => {
    expect(valid({ upstream })).toEqual({ valid: false, problems: [invalidUpstream(upstream, reason)] });
  });
});

describe('parseCharmConfig: a value of another type', () => {
  it.each([42, undefined, null])('upstream %j: it must be a string', (upstream) => {
    expect(parseCharmConfig({ ...defaults, upstream })).toEqual({ valid: false, problems: [invalidUpstream(upstream, UPSTREAM_REASONS.notString)] });
  });

  it('a missing port is named as such', () => {
    expect(parseCharmConfig({ slug: 'example', upstream: defaults.upstream })).toEqual({ valid: false, problems: [invalidPort(undefined)] });
  });
});

describe('parseCharmConfig: values too big to quote or to fit tinyproxy', () => {
  it('a value of exactly the quote limit is quoted whole, one byte more in part', () => {
    const atLimit = 'A'.repeat(QUOTE_LIMIT_BYTES);
    expect(valid({ slug: atLimit })).toEqual({ valid: false, problems: [invalidSlug(atLimit)] });
    expect(valid({ slug: `${atLimit}A` })).toEqual({
      valid: false,
      problems: [invalidSlug(`${atLimit}A`)],
    });
  });

  it('a huge port is quoted in part, one at the limit shown bare', () => {
    const atLimit = '9'.repeat(QUOTE_LIMIT_BYTES);
    expect(valid({ 'server-port': atLimit })).toEqual({ valid: false, problems: [invalidPort(atLimit)] });
    expect(valid({ 'server-port': `${atLimit}9` })).toEqual({
      valid: false,
      problems: [invalidPort(`${atLimit}9`)],
    });
  });

  it('an invalid upstream is quoted whole up to the short limit', () => {
    const upstream = `https://h/${'p'.repeat(SHORT_QUOTE_LIMIT_BYTES - 'https://h/'.length)}`;
    expect(upstream).toHaveLength(SHORT_QUOTE_LIMIT_BYTES);
    expect(valid({ upstream })).toEqual({ valid: false, problems: [invalidUpstream(upstream, UPSTREAM_REASONS.https)] });
    expect(valid({ upstream: `${upstream}p` })).toEqual({
      valid: false,
      problems: [invalidUpstream(`${upstream}p`, UPSTREAM_REASONS.https)],
    });
  });

  it('a slug too big for one status message is quoted in part, with its length', () => {
    const slug = `${'A'.repeat(140_000)}`;
    expect(valid({ slug })).toEqual({ valid: false, problems: [invalidSlug(slug)] });
  });

  it('an upstream longer than a config line is blamed on the upstream, with its limit', () => {
    const upstream = `http://h/${'p'.repeat(2100)}/`;
    expect(valid({ upstream })).toEqual({
      valid: false,
      problems: [upstreamTooLong(upstream, 2027)],
    });
    const longest = `http://h/${'p'.repeat(2027 - 'http://h//'.length)}/`;
    expect(valid({ upstream: longest, slug: 'a' })).toMatchObject({ valid: true, config: { upstream: longest } });
    expect(valid({ upstream: longest, slug: 'ab' })).toEqual({ valid: false, problems: [slugTooLong('ab', 1)] });
  });
});

describe('parseCharmConfig: every problem is reported', () => {
  it('names each invalid option, in order', () => {
    expect(parseCharmConfig({ slug: 'a/b', 'server-port': 22, upstream: 'https://x/' })).toEqual({
      valid: false,
      problems: [invalidSlug('a/b'), portReserved(22), invalidUpstream('https://x/', UPSTREAM_REASONS.https)],
    });
  });
});
