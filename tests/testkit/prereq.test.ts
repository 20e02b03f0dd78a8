import { describe, expect, it } from 'vitest';
import { inCI } from '../../testkit/prereq.ts';

describe('inCI', () => {
  it.each(['true', '1', 'yes', 'TRUE', 'woodpecker'])('CI=%s is CI', (value) => {
    expect(inCI({ CI: value })).toBe(true);
  });
  it.each([undefined, '', '0', 'false', 'False', 'no'])('CI=%s is not', (value) => {
    expect(inCI({ CI: value })).toBe(false);
  });
});
