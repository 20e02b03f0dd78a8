// Which .charm the suite deploys, and a path to it that the juju CLI can read.
import { accessSync, constants, copyFileSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Node's `process.arch` names that differ from Debian's (which charm file names and Juju use). */
const DEBIAN_ARCH: Readonly<Record<string, string>> = { x64: 'amd64', ppc64: 'ppc64el', ia32: 'i386', arm: 'armhf' };

/** Debian's name for a Node architecture: x64 -> amd64, arm64 -> arm64. */
export const debianArch = (nodeArch: string = process.arch): string => DEBIAN_ARCH[nodeArch] ?? nodeArch;

/**
 * `$CHARM_PATH` if set (relative to `root`), else the single `*.charm` in `root`, else (`npm run
 * pack` writes one per platform) the `*_<hostArch>.charm` among them, as the machines of a local
 * LXD cloud share the host's architecture; throws with what to do otherwise.
 */
export function findCharm(root: string, charmPath: string | undefined, hostArch: string = debianArch()): string {
  if (charmPath !== undefined && charmPath !== '') {
    const file = path.resolve(root, charmPath);
    if (!statSync(file, { throwIfNoEntry: false })?.isFile()) throw new Error(`CHARM_PATH=${charmPath}: no such file`);
    return file;
  }
  const charms = readdirSync(root)
    .filter((name) => name.endsWith('.charm'))
    .sort();
  if (charms.length === 0) throw new Error(`no *.charm in ${root}: build one with \`npm run pack\` (or set CHARM_PATH)`);
  if (charms.length === 1) return path.join(root, charms[0] ?? '');
  const forHost = charms.filter((name) => name.endsWith(`_${hostArch}.charm`));
  if (forHost.length === 1) return path.join(root, forHost[0] ?? '');
  throw new Error(
    `several *.charm in ${root} (${charms.join(', ')}), ${forHost.length === 0 ? 'none' : 'more than one'} for this host's architecture (${hostArch}): set CHARM_PATH to the one to test`,
  );
}

/** Where `command` resolves on `searchPath` (a PATH value), or undefined. */
export function whichCommand(command: string, searchPath: string | undefined): string | undefined {
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * A path to `file` (the charm, a model config file) the juju CLI can read. The juju snap is
 * strictly confined: it cannot read /tmp or hidden folders, so (as Jubilant does for the charm)
 * the file is copied into a new folder under ~/snap/juju/common.
 */
export function readableByJuju(file: string, jujuPath: string | undefined, home: string | undefined): string {
  if (jujuPath === undefined || !jujuPath.includes('/snap/') || home === undefined) return file;
  const common = path.join(home, 'snap', 'juju', 'common');
  mkdirSync(common, { recursive: true });
  const copy = path.join(mkdtempSync(path.join(common, 'tinyproxy-test-')), path.basename(file));
  copyFileSync(file, copy);
  return copy;
}
