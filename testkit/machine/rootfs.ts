// Cached debootstrap'd Debian rootfs for machine tests, keyed by a hash of its recipe.
import { createHash } from 'node:crypto';
import { open, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { waitUntil } from '../poll.ts';
import { runCommand, tail } from '../process.ts';
import { pidAlive } from '../procfs.ts';
import { removeTree } from './cleanup.ts';
import { archiveUri, ensureHostTools, hostToolEnv } from './prereq.ts';

/** Everything that determines the rootfs content; any change gives a new cache key. */
interface RootfsRecipe {
  suite: string;
  variant: string;
  packages: readonly string[];
  archive: string;
  /** Bump when the post-debootstrap steps in this file change. */
  revision: number;
}

/** A ready rootfs: its directory and key. */
export interface Rootfs {
  dir: string;
  key: string;
  recipe: RootfsRecipe;
  /** True when this call ran debootstrap, false when the cache was reused. */
  built: boolean;
  buildMs: number;
}

/** Options for {@link ensureRootfs}. */
export interface EnsureRootfsOptions {
  /** Extra packages for --include (added to the default list). */
  extraPackages?: readonly string[];
  /** Archive URI; default: {@link archiveUri}. */
  archive?: string;
  /** Parent directory of the cache; default /var/tmp. */
  cacheDir?: string;
  timeoutMs?: number;
}

/** The default --include list (no nodejs: the charm's dispatch must install it itself). */
const DEFAULT_ROOTFS_PACKAGES: readonly string[] = ['systemd', 'systemd-sysv', 'dbus', 'iproute2', 'procps', 'curl', 'ca-certificates'];

const PREFIX = 'tinyproxy-charm-rootfs-';
const MARKER = '.tinyproxy-charm-rootfs.json';

/** Short hex key of a recipe (sha256 of its canonical JSON). */
function rootfsKey(recipe: RootfsRecipe): string {
  const canonical = JSON.stringify({ ...recipe, packages: [...new Set(recipe.packages)].sort() });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** Builds the recipe from options (default suite bookworm, variant minbase). */
async function rootfsRecipe(opts: EnsureRootfsOptions = {}): Promise<RootfsRecipe> {
  return {
    suite: 'bookworm',
    variant: 'minbase',
    packages: [...new Set([...DEFAULT_ROOTFS_PACKAGES, ...(opts.extraPackages ?? [])])].sort(),
    archive: opts.archive ?? (await archiveUri()),
    revision: 2,
  };
}

/** Returns the cached rootfs for the recipe, building it (debootstrap, atomic rename) if absent. */
export async function ensureRootfs(opts: EnsureRootfsOptions = {}): Promise<Rootfs> {
  const recipe = await rootfsRecipe(opts);
  const key = rootfsKey(recipe);
  const cacheDir = opts.cacheDir ?? '/var/tmp';
  const dir = `${cacheDir}/${PREFIX}${key}`;
  const start = Date.now();
  if (await isComplete(dir)) return { dir, key, recipe, built: false, buildMs: 0 };
  await ensureHostTools();
  const release = await acquireLock(`${dir}.lock`, opts.timeoutMs ?? 900_000);
  try {
    if (await isComplete(dir)) return { dir, key, recipe, built: false, buildMs: Date.now() - start };
    await removeStale(cacheDir, key);
    const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
    try {
      await debootstrap(recipe, tmp, opts.timeoutMs ?? 900_000);
      await dropDebs(`${tmp}/var/cache/apt/archives`);
      await writeFile(`${tmp}/etc/hosts`, '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n');
      await writeFile(`${tmp}/${MARKER}`, `${JSON.stringify({ key, recipe }, null, 2)}\n`);
      await removeTree(dir); // an unmarked (incomplete) dir of the same key
      await rename(tmp, dir);
    } catch (e) {
      await removeTree(tmp);
      throw e;
    }
    return { dir, key, recipe, built: true, buildMs: Date.now() - start };
  } finally {
    await release();
  }
}

/** Deletes the downloaded .debs debootstrap leaves in the apt cache (~45 MB). */
async function dropDebs(dir: string): Promise<void> {
  for (const f of await readdir(dir).catch(() => [])) if (f.endsWith('.deb')) await unlink(`${dir}/${f}`);
}

async function isComplete(dir: string): Promise<boolean> {
  return stat(`${dir}/${MARKER}`).then(
    () => true,
    () => false,
  );
}

async function debootstrap(recipe: RootfsRecipe, target: string, timeoutMs: number): Promise<void> {
  const args = [`--variant=${recipe.variant}`, `--include=${recipe.packages.join(',')}`, recipe.suite, target, recipe.archive];
  const r = await runCommand(['debootstrap', ...args], { env: hostToolEnv(), timeoutMs });
  if (r.exitCode !== 0 || r.timedOut) {
    const log = await readFile(`${target}/debootstrap/debootstrap.log`, 'utf8').catch(() => '');
    throw new Error(`debootstrap ${args.join(' ')} ${r.timedOut ? 'timed out' : `failed (${r.exitCode})`}\n${tail(r.stderr + r.stdout)}\n${tail(log)}`);
  }
}

/** Removes other keys' rootfs dirs and temp dirs of dead builders. */
async function removeStale(cacheDir: string, key: string): Promise<void> {
  for (const name of await readdir(cacheDir).catch(() => [])) {
    if (!name.startsWith(PREFIX)) continue;
    const rest = name.slice(PREFIX.length);
    const tmp = /^[0-9a-f]+\.tmp-(\d+)-\d+$/.exec(rest);
    if (tmp?.[1] !== undefined) {
      if (!pidAlive(Number(tmp[1]))) await removeTree(`${cacheDir}/${name}`);
    } else if (/^[0-9a-f]+$/.test(rest) && rest !== key) {
      await removeTree(`${cacheDir}/${name}`);
    } else if (/^[0-9a-f]+\.lock$/.test(rest) && !rest.startsWith(key)) {
      await unlink(`${cacheDir}/${name}`).catch(() => undefined);
    }
  }
}

/** A pid lock file (O_EXCL); waits for a live holder, takes over from a dead one. */
async function acquireLock(path: string, timeoutMs: number): Promise<() => Promise<void>> {
  const holderOf = async (): Promise<number> => Number((await readFile(path, 'utf8').catch(() => '')).trim());
  const dead = (holder: number): boolean => !Number.isInteger(holder) || holder <= 0 || !pidAlive(holder);
  // A holder seen dead (or unreadable: maybe mid-write) on one look and still so on the next,
  // 200 ms later, is taken over.
  let seenDead: number | undefined;
  const taken = async (): Promise<boolean | string> => {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = await holderOf();
    if (!dead(holder)) {
      seenDead = undefined;
      return `held by pid ${holder}`;
    }
    if (seenDead !== undefined && Object.is(seenDead, holder)) await unlink(path).catch(() => undefined);
    seenDead = holder;
    return `held by a dead or unreadable holder (${holder})`;
  };
  await waitUntil(`rootfs lock ${path}`, taken, timeoutMs, 200);
  return () => unlink(path).catch(() => undefined);
}
