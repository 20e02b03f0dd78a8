// install (root namespace, real apt) under faults: a package apt cannot install, the dpkg lock
// held past the wait and for a few seconds, the package lists lock held; then install twice.
import { statSync } from 'node:fs';
import { expect, it } from 'vitest';
import { runCommand } from '../../../testkit/process.ts';
import { DPKG_LOCKS, LISTS_LOCK, LOCK_TIMEOUT_ENV, pinPackageAway, removePin } from '../apt.ts';
import { expectCleanFailure, expectOk, explain } from '../checks.ts';
import { tinyproxyInstalled } from '../fixture.ts';
import { holdFcntlLocks } from '../holders.ts';
import { PACKAGE, WAITING_INSTALL, WAITING_START } from '../machine.ts';
import { endState } from '../observe.ts';
import type { SuiteContext } from '../suite.ts';

const DPKG_INFO = `/var/lib/dpkg/info/${PACKAGE}.list`;
const APT_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', DEBIAN_FRONTEND: 'noninteractive', LANG: 'C' };

/** How long the faults hold apt's package lists lock, and the dpkg lock, while an install runs. */
const LISTS_LOCK_HELD_MS = 3000;
const DPKG_LOCK_HELD_MS = 5000;

const installArgv = (calls: string[][]): string[] | undefined => calls.find((argv) => argv.includes('install'));

export function registerInstallFaults({ fixture, tally }: SuiteContext): void {
  it("a package apt cannot install: install fails naming the package and apt's message", async () => {
    const f = fixture();
    const done = tally.fault('tinyproxy-bin pinned away (Pin-Priority -1) during install');
    pinPackageAway();
    try {
      const r = await f.hook('install', { root: true });
      expectCleanFailure(r, [PACKAGE, `E: Package '${PACKAGE}' has no installation candidate`]);
      expect(f.unit.status()).toEqual(WAITING_INSTALL);
    } finally {
      removePin();
    }
    expect(await tinyproxyInstalled()).toBe(false);
    done();
  });

  it('the dpkg lock held longer than the wait: install fails clearly, naming the lock', async () => {
    const f = fixture();
    const done = tally.fault("dpkg lock held past the install's wait");
    const holder = await holdFcntlLocks(DPKG_LOCKS);
    try {
      f.apt.clear();
      // The charm waits up to 120 s (checked below); the shim lowers that to 2 s so the suite stays fast.
      const r = await f.hook('install', { root: true, env: { [LOCK_TIMEOUT_ENV]: '2' } });
      expectCleanFailure(r, [PACKAGE, '/var/lib/dpkg/lock-frontend']);
      expect(r.durationMs, 'apt waited for the lock').toBeGreaterThanOrEqual(2000);
      expect(installArgv(f.apt.calls()), 'the charm bounds its wait').toEqual(expect.arrayContaining(['DPkg::Lock::Timeout=120']));
      expect(f.unit.status()).toEqual(WAITING_INSTALL);
    } finally {
      await holder.stop();
    }
    expect(await tinyproxyInstalled()).toBe(false);
    done();
  });

  // apt-get update does not honour DPkg::Lock::Timeout for the package lists lock: the charm
  // must wait itself while another `apt-get update` (apt-daily, cloud-init) holds it.
  it('the package lists lock held for 3 s: install waits and succeeds', async () => {
    const f = fixture();
    const done = tally.fault('apt lists lock held for 3 s during install');
    const holder = await holdFcntlLocks([LISTS_LOCK]);
    // The fault itself: the lock is held for this long while the install runs (not a wait).
    const release = setTimeout(() => void holder.stop(), LISTS_LOCK_HELD_MS);
    try {
      const r = await f.hook('install', { root: true });
      expectOk(r, WAITING_START);
      expect(await tinyproxyInstalled()).toBe(true);
      done();
    } finally {
      clearTimeout(release);
      await holder.stop();
      if (await tinyproxyInstalled()) {
        // Uninstall again so the next case really installs.
        const purge = await runCommand(['apt-get', '-o', 'DPkg::Lock::Timeout=60', '-y', 'purge', PACKAGE], { env: APT_ENV, timeoutMs: 120_000 });
        expect(purge.exitCode, purge.stderr).toBe(0);
      }
    }
  });

  it('the dpkg lock held for 5 s: the retried install waits for it, then installs', async () => {
    const f = fixture();
    const done = tally.fault('dpkg lock held for 5 s during install');
    const holder = await holdFcntlLocks(DPKG_LOCKS);
    let releasedAt = 0;
    // The fault itself: the lock is held for this long while the install runs (not a wait).
    const release = setTimeout(() => {
      releasedAt = Date.now();
      void holder.stop();
    }, DPKG_LOCK_HELD_MS);
    try {
      f.apt.clear();
      const r = await f.hook('install', { root: true });
      expectOk(r, WAITING_START);
      expect(releasedAt, 'the install finished after the lock was released').toBeGreaterThan(0);
      // Workload commands get argument vectors: exactly these, with a bounded lock wait.
      expect(f.apt.calls()).toEqual([
        ['-o', 'DPkg::Lock::Timeout=120', 'update', '-q'],
        ['-o', 'DPkg::Lock::Timeout=120', 'install', '-y', '-q', '--no-install-recommends', expect.stringMatching(/^tinyproxy-bin(=\S+)?$/)],
      ]);
      expect(await tinyproxyInstalled()).toBe(true);
      expect(statSync(DPKG_INFO).mtimeMs, 'dpkg unpacked the package after the release').toBeGreaterThanOrEqual(releasedAt - 1000);
      expect(f.unit.workloadVersion()).toBe('1.11.1');
      done();
    } finally {
      clearTimeout(release);
      await holder.stop();
    }
  });

  it('install run twice: the second runs no apt-get and leaves the same end state', async () => {
    const f = fixture();
    const first = endState(f.unit);
    f.apt.clear();
    const r = await f.hook('install', { root: true });
    expectOk(r, WAITING_START);
    expect(f.apt.calls(), explain(r)).toEqual([]);
    expect(endState(f.unit)).toEqual(first);
  });
}
