import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Reads a file as UTF-8, or undefined when it does not exist. */
export function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Writes `content` to `path` only if it differs, atomically (temp file + rename) so that a
 * hook killed mid-write never leaves a truncated file. Returns whether the file changed.
 */
export function ensureFileContents(path: string, content: string, mode: number): boolean {
  // One fixed name: a temp file left by a killed hook is replaced, not piled up.
  const temp = `${path}.tmp`;
  if (readIfExists(path) === content) {
    chmodSync(path, mode);
    rmSync(temp, { force: true });
    return false;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  writeFileSync(temp, content, { mode });
  chmodSync(temp, mode);
  renameSync(temp, path);
  return true;
}

/** Removes a file or folder if present. */
export function removePath(path: string): void {
  rmSync(path, { recursive: true, force: true });
}
