import { closeSync, constants, fstatSync, ftruncateSync, openSync, readSync } from 'node:fs';
import { createFresh, removePath } from './files.ts';

const { O_RDWR, O_WRONLY, O_APPEND, O_CREAT, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY } = constants;

/** The bare daemon's log is rotated by the next hook once it is larger than this. */
export const LOG_MAX_BYTES = 1024 * 1024;

/** Opens an existing regular file without following a link or blocking; undefined for anything else. */
function openRegular(path: string, flags: number): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, flags | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  } catch {
    return undefined;
  }
  if (fstatSync(fd).isFile()) return fd;
  closeSync(fd);
  return undefined;
}

/**
 * Opens the log for appending, for tinyproxy's stdout and stderr. The log folder may belong to
 * the tinyproxy account: a link, FIFO or folder at the path is replaced by a new regular file.
 */
export function openLogForAppend(path: string): number {
  const fd = openRegular(path, O_WRONLY | O_APPEND);
  if (fd !== undefined) return fd;
  createFresh(path, '', 0o640);
  const fresh = openRegular(path, O_WRONLY | O_APPEND | O_CREAT);
  if (fresh === undefined) throw new Error(`cannot open ${path} as a regular file`);
  return fresh;
}

/** The last `bytes` of the log, for an error message; empty when it is not a readable regular file. */
export function logTail(path: string, bytes = 4096): string {
  const fd = openRegular(path, constants.O_RDONLY);
  if (fd === undefined) return '';
  try {
    const size = fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.min(bytes, size));
    const length = readSync(fd, buffer, 0, buffer.length, size - buffer.length);
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

/**
 * Keeps the log under `maxBytes`: a larger log's last `maxBytes` move to `<path>.1` and the log is
 * truncated in place (tinyproxy appends with O_APPEND, so it goes on writing at the new end).
 * Something that is not a regular file at the path is removed.
 */
export function rotateLog(path: string, maxBytes = LOG_MAX_BYTES): boolean {
  const fd = openRegular(path, O_RDWR);
  if (fd === undefined) {
    removePath(path);
    return false;
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= maxBytes) return false;
    const tail = Buffer.alloc(maxBytes);
    const length = readSync(fd, tail, 0, maxBytes, size - maxBytes);
    createFresh(`${path}.1`, tail.subarray(0, length), 0o640);
    ftruncateSync(fd, 0);
    return true;
  } finally {
    closeSync(fd);
  }
}
