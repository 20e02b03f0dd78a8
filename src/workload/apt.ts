import { setTimeout as sleep } from 'node:timers/promises';
import { CommandError, runCommand } from './exec.ts';
import type { OsRelease } from './os-release.ts';

const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive', APT_LISTCHANGES_FRONTEND: 'none', LC_ALL: 'C' };
// Wait this long for another apt/dpkg (unattended-upgrades, cloud-init) to release the lock.
const LOCK_TIMEOUT_SECONDS = 120;
const lockWait = ['-o', `DPkg::Lock::Timeout=${LOCK_TIMEOUT_SECONDS}`];

/** The tinyproxy-bin version pinned on each base the charm declares; other systems take apt's candidate. */
export const TINYPROXY_PINS: Readonly<Record<string, string>> = { 'ubuntu@24.04': '1.11.1-3' };

/** `name=version` when the base pins one, else the bare package name. */
export function packageSpec(name: string, os: OsRelease, pins: Readonly<Record<string, string>>): string {
  const pin = pins[`${os.id}@${os.versionId}`];
  return pin === undefined ? name : `${name}=${pin}`;
}

const LISTS_LOCK = '/var/lib/apt/lists/lock';

/**
 * apt-get update, waiting (bounded) while another update holds the package lists: apt applies
 * DPkg::Lock::Timeout only to dpkg's own locks, not to the lists lock.
 */
async function aptUpdate(): Promise<void> {
  const deadline = Date.now() + LOCK_TIMEOUT_SECONDS * 1000;
  for (;;) {
    try {
      await runCommand('apt-get', [...lockWait, 'update', '-q'], { env: APT_ENV });
      return;
    } catch (error) {
      const busy = error instanceof CommandError && error.output.includes(LISTS_LOCK);
      if (!busy) throw error;
      if (Date.now() >= deadline) throw new Error(`apt-get update: ${LISTS_LOCK} stayed locked for ${LOCK_TIMEOUT_SECONDS} s: ${error.message}`);
      await sleep(1000);
    }
  }
}

/** apt-get update, then install the given package specs. */
export async function aptInstall(specs: readonly string[]): Promise<void> {
  await aptUpdate();
  await runCommand('apt-get', [...lockWait, 'install', '-y', '-q', '--no-install-recommends', ...specs], { env: APT_ENV });
}

/** Removes packages (purging their config) if installed. */
export async function aptPurge(names: readonly string[]): Promise<void> {
  await runCommand('apt-get', [...lockWait, 'purge', '-y', '-q', ...names], { env: APT_ENV });
}
