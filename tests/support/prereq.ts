import { execFileSync } from 'node:child_process';
import { inCI } from './ci.ts';

/** Missing prerequisites for a suite that changes the machine: root and the named commands. */
function missingPrerequisites(commands: readonly string[]): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root');
  for (const command of commands) {
    try {
      execFileSync('sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore' });
    } catch {
      missing.push(command);
    }
  }
  return missing;
}

/**
 * Whether to skip a suite: never in CI, where a missing prerequisite must fail the run;
 * elsewhere the suite is skipped with the reason printed.
 */
export function skipUnlessReady(suite: string, commands: readonly string[]): boolean {
  const missing = missingPrerequisites(commands);
  if (missing.length === 0) return false;
  const reason = `${suite} needs ${missing.join(', ')}`;
  if (inCI()) throw new Error(`${reason} (CI=true: refusing to skip)`);
  console.warn(`skipping ${reason}`);
  return true;
}
