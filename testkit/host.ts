// Host-side facts and undo steps for tests that let a charm install tinyproxy on this machine.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { runCommand } from './process.ts';
import { processesNamed } from './procfs.ts';

/** True if /etc/passwd has an entry for the account. */
function accountExists(name: string): boolean {
  return readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .some((line) => line.split(':')[0] === name);
}

const APT_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
  DEBIAN_FRONTEND: 'noninteractive',
};

/** True if dpkg reports the package as "install ok installed". */
export async function isPackageInstalled(name: string): Promise<boolean> {
  const r = await runCommand(['dpkg-query', '-W', '-f=${Status}', name], { env: APT_ENV });
  return r.exitCode === 0 && r.stdout.trim() === 'install ok installed';
}

/** Runs apt-get with a lock timeout; returns its result (never throws on failure). */
function aptGet(...args: string[]): ReturnType<typeof runCommand> {
  return runCommand(['apt-get', '-o', 'DPkg::Lock::Timeout=120', '-y', ...args], { env: APT_ENV, timeoutMs: 600_000 });
}

/** What was on the machine before a test let the charm change it. */
export interface HostSnapshot {
  packageInstalled: boolean;
  paths: Record<string, boolean>;
  account: boolean;
  tinyproxyPids: number[];
}

/** Records package, paths, account and tinyproxy processes before the test. */
export async function snapshotHost(pkg: string, paths: readonly string[], account: string): Promise<HostSnapshot> {
  return {
    packageInstalled: await isPackageInstalled(pkg),
    paths: Object.fromEntries(paths.map((p) => [p, existsSync(p)])),
    account: accountExists(account),
    tinyproxyPids: processesNamed('tinyproxy'),
  };
}

/** Undoes what the test changed: kills new tinyproxy processes, purges the package, removes paths and account. */
export async function restoreHost(before: HostSnapshot, pkg: string, account: string): Promise<string[]> {
  const problems: string[] = [];
  for (const pid of processesNamed('tinyproxy').filter((p) => !before.tinyproxyPids.includes(p))) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  const installed = await isPackageInstalled(pkg);
  if (installed && !before.packageInstalled) {
    const r = await aptGet('purge', pkg);
    if (r.exitCode !== 0) problems.push(`apt-get purge ${pkg} failed: ${r.stderr.trim()}`);
  }
  for (const [path, existed] of Object.entries(before.paths)) {
    if (!existed) rmSync(path, { recursive: true, force: true });
  }
  if (!before.account && accountExists(account)) {
    const r = await runCommand(['userdel', account], { env: APT_ENV });
    if (r.exitCode !== 0) problems.push(`userdel ${account} failed: ${r.stderr.trim()}`);
  }
  if (before.packageInstalled && !(await isPackageInstalled(pkg))) {
    const r = await aptGet('install', '--no-install-recommends', pkg);
    if (r.exitCode !== 0) problems.push(`could not reinstall ${pkg}: ${r.stderr.trim()}`);
  }
  return problems;
}
