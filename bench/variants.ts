// The bundle variants of `npm run bench -- --investigate`. Each is a copy of the unpacked charm
// whose dist/ is rebuilt from src/main.ts with build.mjs's own esbuild options (imported, not
// copied), changed in one way: a build option, a build-time source edit (bench/patches.ts), or
// a dispatch edit. `shipped` is the unchanged rebuild and must equal the packed bundle byte for byte.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { CODE_CACHE_BOOT, EXEC_LINE, httpProbe, noMemo, patchDispatch, scanAll, scanByName, trustedCheck, withoutExeca, withoutZod } from './patches.ts';
import { copyCharm, fileSizes } from './rig.ts';

export const HOOKS = ['update-status', 'config-changed', 'install'] as const;
export type Hook = (typeof HOOKS)[number];
const STARTUP: readonly Hook[] = ['update-status', 'config-changed'];

/** Which part of the report a variant belongs to. */
type Group = 'shipped' | 'decision' | 'open' | 'flags' | 'piece';

export interface Variant {
  key: string;
  label: string;
  group: Group;
  dir: string;
  hooks: readonly Hook[];
  /** The variant it is compared with (`shipped` unless it adds to another). */
  base: string;
}

/** What build.mjs exports (it builds nothing when imported). */
export interface BuildModule {
  buildOptions(outDir: string): { charm: esbuild.BuildOptions; execa: esbuild.BuildOptions };
}

/** build.mjs itself, loaded at run time (bench/run.mjs bundles the bench, not build.mjs). */
export const loadBuild = async (root: string): Promise<BuildModule> => (await import(pathToFileURL(join(root, 'build.mjs')).href)) as BuildModule;

// The old ESM build's banner: bundled CommonJS dependencies may require() builtins. (Split so
// that bench/run.mjs's import.meta.url rewrite leaves it alone.)
const REQUIRE_BANNER = "import{createRequire as __cr}from'node:module';const require=__cr(import.meta" + '.url);';

/** A change of the shipped build. */
export interface Change {
  /** esbuild options over build.mjs's charm options. */
  options?: esbuild.BuildOptions;
  /** Plugins run before build.mjs's own. */
  plugins?: esbuild.Plugin[];
  /** Build lib/execa.cjs too (default true). */
  execaFile?: boolean;
  /** esbuild options over build.mjs's execa options. */
  execaOptions?: esbuild.BuildOptions;
}

/** The flags tried in dispatch (all exist on Node 18.19+ and 20: checked with `node --v8-options` / `--help`). */
export const NODE_FLAGS: ReadonlyArray<readonly [string, string, string]> = [
  ['flag-semi-min', '--min-semi-space-size=16', 'young generation starts at 16 MiB a semi-space (default 1): no scavenge in a short hook'],
  ['flag-semi-max', '--max-semi-space-size=64', 'young generation may grow to 64 MiB a semi-space (default 16)'],
  ['flag-gc-1', '--single-threaded-gc', 'no background GC threads'],
  ['flag-1-thread', '--single-threaded', 'no background tasks at all (GC, compilation)'],
  ['flag-max-lazy', '--max-lazy', 'ignore eager compilation hints (compile every function on first call)'],
  ['flag-no-opt', '--no-opt', 'no Turbofan'],
  ['flag-stack', '--stack-size=2048', 'V8 stack limit 2 MiB (default 984 KiB)'],
  ['flag-pool-1', '--v8-pool-size=1', 'one V8 platform worker thread (default 4)'],
];

/** build.mjs's two builds into <dir>/dist, with a change. */
export async function buildShipped(build: BuildModule, dir: string, change: Change = {}): Promise<void> {
  const { charm, execa } = build.buildOptions(join(dir, 'dist'));
  const plugins = change.options?.plugins ?? charm.plugins ?? [];
  await esbuild.build({ ...charm, ...change.options, plugins: [...(change.plugins ?? []), ...plugins], logLevel: 'error' });
  if (change.execaFile ?? true) await esbuild.build({ ...execa, ...change.execaOptions, logLevel: 'error' });
}

export async function buildVariants(root: string, charmDir: string): Promise<{ variants: Variant[]; skipped: string[] }> {
  const build = await loadBuild(root);
  const variants: Variant[] = [];
  const skipped: string[] = [];
  const add = async (v: Omit<Variant, 'dir' | 'base'> & { base?: string }, make: (dir: string) => Promise<void> | void): Promise<void> => {
    const dir = copyCharm(charmDir, `tpbench-${v.key}-`);
    try {
      await make(dir);
      variants.push({ ...v, dir, base: v.base ?? 'shipped' });
    } catch (error) {
      skipped.push(
        `\`${v.key}\`: ${
          error instanceof Error
            ? error.message
                .split('\n')
                .filter((l) => l.trim() !== '')
                .slice(0, 2)
                .join(' ')
            : String(error)
        }`,
      );
    }
  };

  const shipped = (dir: string, change: Change = {}): Promise<void> => buildShipped(build, dir, change);
  /** execa through require(): the lazy import() becomes a require, so no ESM loader (and vm.Script can run it). */
  const requireExeca: esbuild.BuildOptions = { supported: { 'dynamic-import': false } };
  const noImportCall = (dir: string): void => {
    if (readFileSync(join(dir, 'dist', 'charm.cjs'), 'utf8').includes('import(')) throw new Error('dist/charm.cjs still has an import() call');
  };
  const codeCache = (dir: string): void => {
    noImportCall(dir);
    writeFileSync(join(dir, 'dist', 'boot.cjs'), CODE_CACHE_BOOT);
    patchDispatch(dir, EXEC_LINE, 'exec "$node" "$charm_dir/dist/boot.cjs"');
  };
  const all = HOOKS;

  await add({ key: 'shipped', label: 'build.mjs: CJS, execa in lib/execa.cjs loaded by import() on first use', group: 'shipped', hooks: all }, async (dir) => {
    await shipped(dir);
    const bytes = (d: string) =>
      fileSizes(join(d, 'dist'))
        .map((f) => `${f.file}:${readFileSync(join(d, 'dist', f.file)).toString('base64')}`)
        .join();
    if (bytes(dir) !== bytes(charmDir)) throw new Error("the rebuild with build.mjs's options differs from the packed dist/: the variants would not measure the shipped charm");
  });

  // The decisions in place, each undone.
  await add({ key: 'esm-split', label: 'ESM + splitting, execa in a lazy chunk (the previous shipping format)', group: 'decision', hooks: all }, async (dir) => {
    const { outfile: _outfile, ...charm } = build.buildOptions(join(dir, 'dist')).charm;
    rmSync(join(dir, 'dist'), { recursive: true, force: true });
    await esbuild.build({
      ...charm,
      entryPoints: { charm: 'src/main.ts' },
      outdir: join(dir, 'dist'),
      format: 'esm',
      splitting: true,
      outExtension: { '.js': '.mjs' },
      chunkNames: 'lib/[name]-[hash]',
      banner: { js: REQUIRE_BANNER },
      plugins: [],
      logLevel: 'error',
    });
    patchDispatch(dir, EXEC_LINE, 'exec "$node" "$charm_dir/dist/charm.mjs"');
  });
  await add({ key: 'execa-inline', label: 'CJS, one file: execa bundled into charm.cjs', group: 'decision', hooks: all }, (dir) => shipped(dir, { options: { plugins: [] }, execaFile: false }));
  await add({ key: 'scan-by-name', label: 'direct daemon ignores the pid file: /proc scan, only processes named tinyproxy read in full', group: 'decision', hooks: all }, (dir) =>
    shipped(dir, { plugins: [scanByName] }),
  );
  await add({ key: 'scan-all', label: 'the look-up before "Find tinyproxy cheaply": no pid file, stat + status + cmdline of every process', group: 'decision', hooks: all }, (dir) =>
    shipped(dir, { plugins: [scanAll] }),
  );
  await add({ key: 'no-memo', label: 'isRunning asks the daemon every time, not once per hook', group: 'decision', hooks: all }, (dir) => shipped(dir, { plugins: [noMemo] }));
  await add({ key: 'http-probe', label: 'serving probe through node:http instead of raw HTTP over node:net', group: 'decision', hooks: STARTUP }, (dir) => shipped(dir, { plugins: [httpProbe] }));
  await add({ key: 'no-probe', label: 'the serving check trusted: a running tinyproxy counts as serving (no /proc/net, no process state, no probe)', group: 'decision', hooks: STARTUP }, (dir) =>
    shipped(dir, { plugins: [trustedCheck] }),
  );
  await add(
    { key: 'no-remember', label: 'dispatch without the remembered runtime: `command -v node`, `node --version`, link, every hook', group: 'decision', hooks: ['update-status'] },
    async (dir) => {
      await shipped(dir);
      patchDispatch(dir, 'elif [ -L "$verified" ] && [ -f "$verified" ] && [ -x "$verified" ]; then', 'elif false; then');
    },
  );
  await add({ key: 'ca-certs', label: 'dispatch keeps an inherited NODE_EXTRA_CA_CERTS (the system bundle)', group: 'decision', hooks: ['update-status'] }, async (dir) => {
    if (!existsSync('/etc/ssl/certs/ca-certificates.crt')) throw new Error('no /etc/ssl/certs/ca-certificates.crt');
    await shipped(dir);
    patchDispatch(dir, 'unset NODE_OPTIONS NODE_EXTRA_CA_CERTS', 'unset NODE_OPTIONS\nexport NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt');
  });

  // What is still open.
  await add({ key: 'require-execa', label: "shipped, execa loaded by require() (`supported: { 'dynamic-import': false }`), no ESM loader", group: 'open', hooks: all }, (dir) =>
    shipped(dir, { options: requireExeca }).then(() => noImportCall(dir)),
  );
  await add(
    { key: 'code-cache', label: 'require-execa + V8 code cache of charm.cjs beside it (dist/boot.cjs: vm.Script cachedData)', group: 'open', hooks: all, base: 'require-execa' },
    async (dir) => {
      await shipped(dir, { options: requireExeca });
      codeCache(dir);
    },
  );
  await add({ key: 'no-zod', label: 'shipped with zod/mini replaced by a 70-line stand-in (bench/zod-mini-shim.ts)', group: 'open', hooks: all }, (dir) =>
    shipped(dir, { plugins: [withoutZod(root)] }),
  );
  await add({ key: 'require-execa-no-zod', label: 'require-execa + no-zod (keeps execa)', group: 'open', hooks: all }, (dir) =>
    shipped(dir, { options: requireExeca, plugins: [withoutZod(root)] }).then(() => noImportCall(dir)),
  );
  await add({ key: 'no-execa', label: 'shipped, workload commands through node:child_process spawn, no execa (no lib/execa.cjs)', group: 'open', hooks: all }, (dir) =>
    shipped(dir, { plugins: [withoutExeca], execaFile: false }),
  );
  await add({ key: 'no-execa-no-zod', label: 'no-execa + no-zod: one CommonJS file, no runtime dependency', group: 'open', hooks: all }, (dir) =>
    shipped(dir, { plugins: [withoutExeca, withoutZod(root)], execaFile: false }),
  );
  await add({ key: 'no-execa-no-zod-cache', label: 'no-execa + no-zod + V8 code cache', group: 'open', hooks: all, base: 'no-execa-no-zod' }, async (dir) => {
    await shipped(dir, { plugins: [withoutExeca, withoutZod(root)], execaFile: false });
    codeCache(dir);
  });

  for (const [key, flags, what] of NODE_FLAGS) {
    await add({ key, label: `dispatch runs \`node ${flags}\`: ${what}`, group: 'flags', hooks: STARTUP }, async (dir) => {
      await shipped(dir);
      patchDispatch(dir, EXEC_LINE, `exec "$node" ${flags} "$charm_dir/dist/charm.cjs"`);
    });
  }

  await add({ key: 'empty', label: 'dispatch + an empty dist/charm.cjs (no charm code)', group: 'piece', hooks: ['update-status'] }, (dir) => {
    mkdirSync(join(dir, 'dist'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'charm.cjs'), '');
  });
  return { variants, skipped };
}
