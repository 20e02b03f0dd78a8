import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findAccount } from '../../../src/workload/account.ts';
import { ensureFileContents, ensureFolder, readHint, readRegularFile } from '../../../src/workload/files.ts';

describe('files', () => {
  it('writes only when the content differs, atomically, with the mode asked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'files-'));
    const path = join(dir, 'sub', 'file.conf');
    expect(readRegularFile(path, 10)).toEqual({ kind: 'missing' });
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

describe('files another account may control', () => {
  const dir = (): string => mkdtempSync(join(tmpdir(), 'hostile-'));

  it('reads a small regular file', () => {
    const path = join(dir(), 'pid');
    writeFileSync(path, '123\n');
    expect(readRegularFile(path, 32)).toEqual({ kind: 'text', text: '123\n' });
    expect(readRegularFile(join(dir(), 'none'), 32)).toEqual({ kind: 'missing' });
  });

  it.each([
    ['a link', (path: string) => symlinkSync('/etc/hostname', path), 'it is a symbolic link'],
    ['a FIFO (would block a plain read)', (path: string) => execFileSync('mkfifo', [path]), 'it is not a regular file'],
    ['a folder', (path: string) => mkdirSync(path), 'it is a directory'],
    ['too large', (path: string) => writeFileSync(path, '1'.repeat(100)), 'it is larger than 32 bytes'],
  ])('refuses %s without following or blocking', (_kind, plant, reason) => {
    const path = join(dir(), 'pid');
    plant(path);
    expect(readRegularFile(path, 32)).toEqual({ kind: 'unreadable', reason });
    expect(readHint(path, 32)).toBeUndefined();
  });

  it('replaces a link at the target of a write instead of writing through it', () => {
    const d = dir();
    writeFileSync(join(d, 'canary'), 'canary');
    symlinkSync(join(d, 'canary'), join(d, 'file'));
    expect(ensureFileContents(join(d, 'file'), 'new', 0o644)).toBe(true);
    expect(readFileSync(join(d, 'canary'), 'utf8')).toBe('canary');
    expect(lstatSync(join(d, 'file')).isFile()).toBe(true);
  });

  it('ensureFolder replaces a link or a file with a real folder, with the mode asked', () => {
    const d = dir();
    mkdirSync(join(d, 'elsewhere'), { mode: 0o700 });
    symlinkSync(join(d, 'elsewhere'), join(d, 'run'));
    ensureFolder(join(d, 'run'), 0o755, { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 });
    expect(lstatSync(join(d, 'run')).isDirectory()).toBe(true);
    expect(statSync(join(d, 'run')).mode & 0o777).toBe(0o755);
    expect(statSync(join(d, 'elsewhere')).mode & 0o777).toBe(0o700);
    writeFileSync(join(d, 'log'), 'x');
    ensureFolder(join(d, 'log'), 0o750, { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 });
    expect(lstatSync(join(d, 'log')).isDirectory()).toBe(true);
  });
});
