// apt faults for the install hook: an apt-get on the hook's PATH that records the charm's argv
// (and, only when asked, lowers apt's lock wait so "the wait ran out" takes seconds, not 120 s),
// and an apt preferences pin that makes tinyproxy-bin uninstallable.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE } from './machine.ts';

/** The environment variable that makes the shim append `-o DPkg::Lock::Timeout=<seconds>`. */
export const LOCK_TIMEOUT_ENV = 'TP_FAULT_LOCK_TIMEOUT';

/** A folder to put first on the hook's PATH, holding the recording apt-get. */
export interface AptShim {
  readonly binDir: string;
  /** The argv (without `apt-get`) of every apt-get the charm ran since the last clear. */
  calls(): string[][];
  clear(): void;
  cleanup(): void;
}

export function createAptShim(): AptShim {
  const root = mkdtempSync(join(tmpdir(), 'tp-fault-apt-'));
  const binDir = join(root, 'bin');
  const logDir = join(root, 'calls');
  mkdirSync(binDir);
  mkdirSync(logDir);
  // Later -o options win in apt, so the appended lock timeout overrides the charm's own.
  writeFileSync(
    join(binDir, 'apt-get'),
    `#!/bin/sh
n=0
while [ -e '${logDir}'/$n ]; do n=$((n + 1)); done
printf '%s\\0' "$@" >'${logDir}'/$n
if [ -n "\${${LOCK_TIMEOUT_ENV}:-}" ]; then exec /usr/bin/apt-get "$@" -o "DPkg::Lock::Timeout=\${${LOCK_TIMEOUT_ENV}}"; fi
exec /usr/bin/apt-get "$@"
`,
  );
  chmodSync(join(binDir, 'apt-get'), 0o755);
  return {
    binDir,
    calls: () =>
      readdirSync(logDir)
        .map(Number)
        .sort((a, b) => a - b)
        .map((n) =>
          readFileSync(join(logDir, String(n)), 'utf8')
            .split('\0')
            .slice(0, -1),
        ),
    clear: () => {
      for (const name of readdirSync(logDir)) rmSync(join(logDir, name));
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** An apt preferences file that gives tinyproxy-bin no installation candidate. */
const PIN_FILE = '/etc/apt/preferences.d/tp-fault-no-tinyproxy';

export function pinPackageAway(): void {
  writeFileSync(PIN_FILE, `Package: ${PACKAGE}\nPin: version *\nPin-Priority: -1\n`, { mode: 0o644 });
}

export function removePin(): void {
  if (existsSync(PIN_FILE)) rmSync(PIN_FILE);
}

/** apt's locks: the dpkg frontend lock and dpkg's own, and the package lists lock `apt-get update` takes. */
export const DPKG_LOCKS = ['/var/lib/dpkg/lock-frontend', '/var/lib/dpkg/lock'] as const;
export const LISTS_LOCK = '/var/lib/apt/lists/lock';
