import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findAccount } from '../../../src/workload/account.ts';
import { ensureFileContents, readIfExists } from '../../../src/workload/files.ts';

describe('files', () => {
  it('writes only when the content differs, atomically, with the mode asked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'files-'));
    const path = join(dir, 'sub', 'file.conf');
    expect(readIfExists(path)).toBeUndefined();
    expect(ensureFileContents(path, 'a\n', 0o644)).toBe(true);
    expect(ensureFileContents(path, 'a\n', 0o644)).toBe(false);
    expect(ensureFileContents(path, 'b\n', 0o644)).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('b\n');
    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['file.conf']);
  });

  it('replaces a temp file a killed write left behind', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'files-')), 'f');
    writeFileSync(`${path}.tmp`, 'half');
    expect(ensureFileContents(path, 'x', 0o644)).toBe(true);
    writeFileSync(`${path}.tmp`, 'half');
    expect(ensureFileContents(path, 'x', 0o644)).toBe(false);
    expect(readdirSync(join(path, '..'))).toEqual(['f']);
  });

  it('restores the mode of a file whose content is right', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'files-')), 'f');
    writeFileSync(path, 'x', { mode: 0o666 });
    expect(ensureFileContents(path, 'x', 0o644)).toBe(false);
    expect(statSync(path).mode & 0o777).toBe(0o644);
  });
});

describe('account', () => {
  it('finds an entry and its comment in a passwd file', () => {
    const passwd = join(mkdtempSync(join(tmpdir(), 'passwd-')), 'passwd');
    writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/bash\ntinyproxy:x:998:998:tinyproxy charm:/nonexistent:/usr/sbin/nologin\n');
    expect(findAccount('tinyproxy', passwd)).toEqual({ name: 'tinyproxy', uid: 998, gid: 998, comment: 'tinyproxy charm' });
    expect(findAccount('nobody-here', passwd)).toBeUndefined();
  });
});
