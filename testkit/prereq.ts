// The tests' one prerequisite mechanism: what a suite needs (root, commands, files), and one
// rule for when it is missing: outside CI the suite is skipped with the reason printed, in CI
// (CI=true) it fails instead.
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, it } from 'vitest';

/**
 * Whether this run is CI, where a missing prerequisite must fail a suite instead of skipping it.
 * CI systems set CI to `true`, `1`, `yes` or anything else: only unset, empty, `0`, `false` and
 * `no` mean "not CI".
 */
export const inCI = (env: Readonly<Record<string, string | undefined>> = process.env): boolean => !['', '0', 'false', 'no'].includes((env.CI ?? '').trim().toLowerCase());

/** The system directories searched after PATH (admin tools live in sbin, which a user's PATH may lack). */
export const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Absolute path of an executable found on PATH or in the system directories, if any. */
export function findCommand(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...SYSTEM_PATH.split(':')].filter((d) => d !== '');
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

/** What a suite needs. */
export interface Needs {
  root?: boolean;
  commands?: readonly string[];
  /** Files that must exist at exactly these paths (e.g. /usr/bin/curl, which the charm calls by path). */
  files?: readonly string[];
}

/** Human-readable list of the prerequisites that are missing (empty when all are there). */
export function missingPrerequisites(needs: Needs): string[] {
  const missing: string[] = [];
  if (needs.root && process.getuid?.() !== 0) missing.push('must run as root');
  for (const command of needs.commands ?? []) if (findCommand(command) === undefined) missing.push(`command not found: ${command}`);
  for (const file of needs.files ?? []) if (!existsSync(file)) missing.push(`${file} not found`);
  return missing;
}

/**
 * `describe(title, body)` when nothing is missing. Otherwise, in CI, a block whose one test
 * fails naming what is missing; outside CI, a skipped block, with the reason printed.
 */
export function describeIfReady(title: string, missing: readonly string[], body: () => void): void {
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  const reason = `${title} needs: ${missing.join('; ')}`;
  if (inCI()) {
    describe(title, () => {
      it('has its prerequisites', () => {
        throw new Error(`${reason} (CI=true: refusing to skip)`);
      });
    });
    return;
  }
  console.warn(`skipping ${reason}`);
  describe.skip(title, body);
}
