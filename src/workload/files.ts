import { chmodSync, closeSync, constants, fchmodSync, fchownSync, fstatSync, lstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY, O_DIRECTORY } = constants;

/** What a bounded read found: the text, nothing at the path, or something that is not a readable regular file. */
export type ReadResult = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'missing' } | { readonly kind: 'unreadable'; readonly reason: string };

const errorCode = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? String(error);

/**
 * Reads at most `maxBytes` of a regular file, for paths another account may control: never
 * through a symlink (O_NOFOLLOW), never blocking on a FIFO or device (O_NONBLOCK, then fstat).
 */
export function readRegularFile(path: string, maxBytes: number): ReadResult {
  let fd: number;
  try {
    fd = openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'unreadable', reason: code === 'ELOOP' ? 'it is a symbolic link' : code };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { kind: 'unreadable', reason: stat.isDirectory() ? 'it is a directory' : 'it is not a regular file' };
    if (stat.size > maxBytes) return { kind: 'unreadable', reason: `it is larger than ${maxBytes} bytes` };
    const buffer = Buffer.alloc(maxBytes);
    const length = readSync(fd, buffer, 0, maxBytes, 0);
    return { kind: 'text', text: buffer.toString('utf8', 0, length) };
  } catch (error) {
    return { kind: 'unreadable', reason: errorCode(error) };
  } finally {
    closeSync(fd);
  }
}

/** The text of a small regular file, or undefined for anything else (a hint that may be hostile). */
export const readHint = (path: string, maxBytes: number): string | undefined => {
  const read = readRegularFile(path, maxBytes);
  return read.kind === 'text' ? read.text : undefined;
};

/** Removes a file, link, FIFO or folder if present; never follows a link. */
export function removePath(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/**
 * Creates a new regular file at `path` with `content`, replacing whatever was there (a file, a
 * link, a FIFO, a folder) without following it: O_EXCL|O_NOFOLLOW after the removal.
 */
export function createFresh(path: string, content: string | Buffer, mode: number): void {
  removePath(path);
  const fd = openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  try {
    writeFileSync(fd, content);
  } finally {
    closeSync(fd);
  }
}

/** Moves `from` over `to`; a folder in the way is removed first (rename cannot replace one). */
export function replacePath(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if (!['EISDIR', 'ENOTEMPTY', 'EEXIST', 'ENOTDIR'].includes(errorCode(error))) throw error;
    removePath(to);
    renameSync(from, to);
  }
}

/**
 * Writes `content` to `path` only if it differs, atomically (temp file + rename) so that a
 * hook killed mid-write never leaves a truncated file. Returns whether the file changed.
 */
export function ensureFileContents(path: string, content: string, mode: number): boolean {
  // One fixed name: a temp file left by a killed hook is replaced, not piled up.
  const temp = `${path}.tmp`;
  const current = readRegularFile(path, Buffer.byteLength(content) + 1);
  if (current.kind === 'text' && current.text === content) {
    chmodSync(path, mode);
    removePath(temp);
    return false;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  createFresh(temp, content, mode);
  chmodSync(temp, mode);
  replacePath(temp, path);
  return true;
}

/**
 * Makes `path` a real folder (not a link, not a file) with this mode and owner, replacing
 * anything else found there. Mode and owner are set on the opened folder, never through a link.
 */
export function ensureFolder(path: string, mode: number, owner: { uid: number; gid: number } = { uid: 0, gid: 0 }): void {
  const found = lstatSync(path, { throwIfNoEntry: false });
  if (found && !found.isDirectory()) removePath(path);
  mkdirSync(path, { recursive: true, mode });
  const fd = openSync(path, O_RDONLY | O_NOFOLLOW | O_DIRECTORY);
  try {
    fchmodSync(fd, mode);
    fchownSync(fd, owner.uid, owner.gid);
  } finally {
    closeSync(fd);
  }
}
