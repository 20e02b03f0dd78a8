import { describe, expect, it } from 'vitest';
import { packageSpec, TINYPROXY_PINS } from '../../../src/workload/apt.ts';
import { parseOsRelease } from '../../../src/workload/os-release.ts';

const noble = 'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\n';
const bookworm = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\nID=debian\n';

describe('os-release and the package pin per base', () => {
  it('parses quoted and bare values', () => {
    expect(parseOsRelease(noble)).toEqual({ id: 'ubuntu', versionId: '24.04' });
    expect(parseOsRelease(bookworm)).toEqual({ id: 'debian', versionId: '12' });
    expect(parseOsRelease('')).toEqual({ id: 'unknown', versionId: '' });
  });

  it('pins tinyproxy-bin on Ubuntu 24.04 and takes the candidate elsewhere', () => {
    expect(packageSpec('tinyproxy-bin', parseOsRelease(noble), TINYPROXY_PINS)).toBe('tinyproxy-bin=1.11.1-3');
    expect(packageSpec('tinyproxy-bin', parseOsRelease(bookworm), TINYPROXY_PINS)).toBe('tinyproxy-bin');
  });
});
