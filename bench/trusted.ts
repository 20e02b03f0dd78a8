// The charm bundle with the serving check trusted (bench/trusted-serving.ts in place of
// src/workload/serving.ts), built with build.mjs's own esbuild options: update-status of this
// bundle beside the shipped one is the price of the honest check. src/ is not edited.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SERVING = join(ROOT, 'src', 'workload', 'serving.ts');
const TRUSTED = fileURLToPath(new URL('trusted-serving.ts', import.meta.url));
/** A reason only the honest check gives (src/workload/serving.ts): it must not be in the trusted bundle. */
const HONEST_ONLY = 'does not listen on port';

/** What build.mjs exports (imported, it builds nothing). */
interface BuildModule {
  buildOptions(outDir: string): { charm: esbuild.BuildOptions; execa: esbuild.BuildOptions };
}

/** Resolves every import of src/workload/serving.ts to bench/trusted-serving.ts. */
const swapServing: esbuild.Plugin = {
  name: 'trusted-serving',
  setup(build) {
    build.onResolve({ filter: /[/\\]serving(\.ts)?$/ }, (args) => {
      const target = resolve(args.resolveDir, args.path);
      return target === SERVING || `${target}.ts` === SERVING ? { path: TRUSTED } : undefined;
    });
  },
};

/**
 * Builds <charmDir>/dist (charm.cjs and lib/execa.cjs) with the check trusted, and proves the swap
 * took: serving.ts is not among the bundle's inputs, and a reason only the honest check gives is
 * in the shipped bundle (<shippedDir>/dist/charm.cjs) but not in this one.
 */
export async function buildTrusted(charmDir: string, shippedDir: string): Promise<void> {
  const build = (await import(pathToFileURL(join(ROOT, 'build.mjs')).href)) as BuildModule;
  const { charm, execa } = build.buildOptions(join(charmDir, 'dist'));
  const result = await esbuild.build({ ...charm, plugins: [swapServing, ...(charm.plugins ?? [])], metafile: true, logLevel: 'error' });
  await esbuild.build({ ...execa, logLevel: 'error' });
  const inputs = Object.keys(result.metafile.inputs).map((p) => resolve(ROOT, p));
  if (inputs.includes(SERVING) || !inputs.includes(TRUSTED)) throw new Error('the trusted build still bundles src/workload/serving.ts: the swap did not take');
  if (!readFileSync(join(shippedDir, 'dist', 'charm.cjs'), 'utf8').includes(HONEST_ONLY)) throw new Error(`the shipped bundle has no "${HONEST_ONLY}": update HONEST_ONLY`);
  const bundle = readFileSync(join(charmDir, 'dist', 'charm.cjs'), 'utf8');
  if (bundle.includes(HONEST_ONLY)) throw new Error(`the trusted bundle still holds the honest check ("${HONEST_ONLY}")`);
}
