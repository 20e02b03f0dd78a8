import { readFileSync } from 'node:fs';
import { runCommand } from './exec.ts';

/** The marker in the account's comment field that says the charm created it. */
export const ACCOUNT_COMMENT = 'tinyproxy charm';

/** A system account's entry in /etc/passwd. */
export interface AccountEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly comment: string;
}

/** Looks an account up in /etc/passwd. */
export function findAccount(name: string, passwdFile = '/etc/passwd'): AccountEntry | undefined {
  for (const line of readFileSync(passwdFile, 'utf8').split('\n')) {
    const [entryName, , uid, gid, comment] = line.split(':');
    if (entryName === name) return { name, uid: Number(uid), gid: Number(gid), comment: comment ?? '' };
  }
  return undefined;
}

/** Creates the unprivileged system account (and its group) tinyproxy serves as, if missing. */
export async function ensureAccount(name: string): Promise<AccountEntry> {
  const existing = findAccount(name);
  if (existing) return existing;
  await runCommand('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', '--comment', ACCOUNT_COMMENT, name]);
  const created = findAccount(name);
  if (!created) throw new Error(`useradd reported success but ${name} is not in /etc/passwd`);
  return created;
}

/** Deletes the account (and its group) only if the charm created it. */
export async function removeAccount(name: string): Promise<void> {
  const entry = findAccount(name);
  if (entry?.comment === ACCOUNT_COMMENT) await runCommand('userdel', [name]);
}
