// Checks for what the machine-level tests need (root, commands on PATH).
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** What a suite needs. */
export interface Prerequisites {
  root?: boolean;
  commands?: readonly string[];
}

const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Absolute path of an executable found on PATH or in the system directories, if any. */
export function findCommand(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter((d) => d !== ''), ...SYSTEM_DIRS];
  for (const dir of dirs) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Human-readable list of the prerequisites that are missing (empty when all are there). */
export function missingPrerequisites(needs: Prerequisites): string[] {
  const missing: string[] = [];
  if (needs.root && process.getuid?.() !== 0) missing.push('must run as root');
  for (const command of needs.commands ?? []) {
    if (findCommand(command) === undefined) missing.push(`command not found: ${command}`);
  }
  return missing;
}
