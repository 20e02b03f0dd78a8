import { describe, expect, it } from 'vitest';
import { parseCharmConfig, SLUG_MAX_LENGTH } from '../../../src/charm/config.ts';

const regexMessage = (slug: string) => `Invalid slug: '${slug}'. Slug must match the regex [a-z0-9-]+`;

describe('parseCharmConfig', () => {
  it.each(['example', 'foo', '-', '0', 'a'.repeat(63), 'a-b-0'])('accepts %j', (slug) => {
    expect(parseCharmConfig({ slug })).toEqual({ valid: true, config: { slug } });
  });

  it.each(['', 'foo_bar', 'foo/bar', 'Foo', ' foo', 'foo ', '.', '..', 'a.b', '"', "'", '`id`', '$(id)', 'a\\b', 'a\nPort 22', 'a\tb', 'a\0b', 'é', '🙂'])(
    'refuses %j with the tutorial message',
    (slug) => {
      expect(parseCharmConfig({ slug })).toEqual({ valid: false, problems: [regexMessage(slug)] });
    },
  );

  it('refuses a slug tinyproxy could not read back, with its length', () => {
    expect(SLUG_MAX_LENGTH).toBe(2005);
    expect(parseCharmConfig({ slug: 'a'.repeat(SLUG_MAX_LENGTH) }).valid).toBe(true);
    expect(parseCharmConfig({ slug: 'a'.repeat(10_000) })).toEqual({
      valid: false,
      problems: [`Invalid slug: '${'a'.repeat(32)}...' (10000 characters). Slug must be at most 2005 characters`],
    });
  });

  it('a long slug with a bad character gets the regex message', () => {
    const slug = `${'a'.repeat(3000)}_`;
    expect(parseCharmConfig({ slug })).toEqual({ valid: false, problems: [regexMessage(slug)] });
  });

  it('a missing or non-string slug is invalid', () => {
    expect(parseCharmConfig({})).toEqual({ valid: false, problems: [regexMessage('undefined')] });
    expect(parseCharmConfig({ slug: 42 })).toEqual({ valid: false, problems: [regexMessage('42')] });
  });
});
