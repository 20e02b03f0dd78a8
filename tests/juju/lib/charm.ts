// Which .charm the suite deploys, and a path to it that the juju CLI can read.
import { accessSync, constants, copyFileSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** `$CHARM_PATH` if set (relative to `root`), else the single `*.charm` in `root`; throws with what to do otherwise. */
export function findCharm(root: string, charmPath: string | undefined): string {
  if (charmPath !== undefined && charmPath !== '') {
    const file = path.resolve(root, charmPath);
    if (!statSync(file, { throwIfNoEntry: false })?.isFile()) throw new Error(`CHARM_PATH=${charmPath}: no such file`);
    return file;
  }
  const charms = readdirSync(root).filter((name) => name.endsWith('.charm')).sort();
  if (charms.length === 0) throw new Error(`no *.charm in ${root}: build one with \`npm run pack\` (or set CHARM_PATH)`);
  if (charms.length > 1) throw new Error(`several *.charm in ${root} (${charms.join(', ')}): set CHARM_PATH to the one to test`);
  return path.join(root, charms[0] ?? '');
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
 * A path to `charm` the juju CLI can read. The juju snap is strictly confined: it cannot read
 * /tmp or hidden folders, so (as Jubilant does) the charm is copied under ~/snap/juju/common.
 */
export function charmForJuju(charm: string, jujuPath: string | undefined, home: string | undefined): string {
  if (jujuPath === undefined || !jujuPath.includes('/snap/') || home === undefined) return charm;
  const common = path.join(home, 'snap', 'juju', 'common');
  mkdirSync(common, { recursive: true });
  const copy = path.join(mkdtempSync(path.join(common, 'tinyproxy-test-')), path.basename(charm));
  copyFileSync(charm, copy);
  return copy;
}
