import { describe, expect, it } from 'vitest';
import { parseVersion } from '../../../src/workload/tinyproxy.ts';

describe('parseVersion', () => {
  it.each([
    ['tinyproxy 1.11.1\n', '1.11.1'],
    ['tinyproxy  1.10.0', '1.10.0'],
    [' tinyproxy 1.11.2 \n', '1.11.2'],
    ['1.11.1\n', '1.11.1'],
    ['1.11.1 (tinyproxy fork)', '1.11.1 (tinyproxy fork)'],
  ])('%j -> %j', (stdout, version) => {
    expect(parseVersion(stdout)).toBe(version);
  });
});
