import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageSpec, TINYPROXY_PINS } from '../../../src/workload/apt.ts';
import { parseOsRelease, readOsRelease } from '../../../src/workload/os-release.ts';
import { PACKAGE } from '../../../src/workload/tinyproxy.ts';

const noble = 'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\n';
const bookworm = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\nID=debian\n';

describe('os-release and the package pin per base', () => {
  it('parses quoted and bare values', () => {
    expect(parseOsRelease(noble)).toEqual({ id: 'ubuntu', versionId: '24.04' });
    expect(parseOsRelease(bookworm)).toEqual({ id: 'debian', versionId: '12' });
    expect(parseOsRelease('')).toEqual({ id: 'unknown', versionId: '' });
  });

  it('ignores comments and surrounding blanks; unquotes only a value wrapped in one pair of quotes', () => {
    expect(parseOsRelease("  ID=debian  \n#ID=fedora\nVERSION_ID='12'\n")).toEqual({ id: 'debian', versionId: '12' });
    expect(parseOsRelease('ID=a"b"\nVERSION_ID="1"2\n')).toEqual({ id: 'a"b"', versionId: '"1"2' });
    expect(parseOsRelease('ID="deb\'\nVERSION_ID=x=y\n')).toEqual({ id: '"deb\'', versionId: 'x=y' });
  });

  it('reads /etc/os-release, or the file given', () => {
    expect(readOsRelease()).toEqual(parseOsRelease(readFileSync('/etc/os-release', 'utf8')));
    const path = join(mkdtempSync(join(tmpdir(), 'os-release-')), 'os-release');
    writeFileSync(path, bookworm);
    expect(readOsRelease(path)).toEqual({ id: 'debian', versionId: '12' });
  });

  it('pins the package on Ubuntu 24.04 and takes the candidate elsewhere', () => {
    const pin = TINYPROXY_PINS['ubuntu@24.04'];
    expect(pin).toMatch(/^1\.11\.1-/);
    expect(packageSpec(PACKAGE, parseOsRelease(noble), TINYPROXY_PINS)).toBe(`${PACKAGE}=${pin}`);
    expect(packageSpec(PACKAGE, parseOsRelease(bookworm), TINYPROXY_PINS)).toBe(PACKAGE);
  });
});
