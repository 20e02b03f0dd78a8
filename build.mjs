// @ts-check
// Bundles src/ into dist/ with esbuild; `--pack` then writes one .charm per platform of
// charmcraft.yaml: tinyproxy_amd64.charm and tinyproxy_arm64.charm.
// Imported (by `npm run bench -- --investigate`) it builds nothing: it exports the options.
import { realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = dirname(fileURLToPath(import.meta.url));
const distDir = join(root, 'dist');
// Measured by `npm run bench -- --investigate`: CommonJS starts ~5 ms faster than ESM, and
// execa in a file of its own costs nothing in hooks that run no workload command.
export const EXECA_CHUNK = './lib/execa.cjs';

/** @type {esbuild.BuildOptions} */
const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  // Ubuntu 24.04's nodejs is 18.19, the oldest runtime dispatch accepts.
  target: 'node18.19',
  minify: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
};

/**
 * Keeps `import('execa')` pointing at the separately bundled file next to the charm.
 * @type {esbuild.Plugin}
 */
export const execaOnDemand = {
  name: 'execa-on-demand',
  setup(build) {
    build.onResolve({ filter: /^execa$/ }, () => ({ path: EXECA_CHUNK, external: true }));
  },
};

/**
 * The esbuild options of the two builds: the charm (<outDir>/charm.cjs) and execa (<outDir>/lib/execa.cjs).
 * @returns {{ charm: esbuild.BuildOptions, execa: esbuild.BuildOptions }}
 */
export function buildOptions(outDir = distDir) {
  return {
    // `import('execa')` becomes a require(): import() would start Node's ESM loader (~17 ms).
    charm: { ...common, entryPoints: ['src/main.ts'], outfile: join(outDir, 'charm.cjs'), plugins: [execaOnDemand], supported: { 'dynamic-import': false } },
    execa: { ...common, stdin: { contents: "export { execa } from 'execa';", resolveDir: root }, outfile: join(outDir, EXECA_CHUNK) },
  };
}

/** Bundles the charm (dist/charm.cjs) and execa (dist/lib/execa.cjs, loaded on first use). */
export async function bundle() {
  rmSync(distDir, { recursive: true, force: true });
  const options = buildOptions(distDir);
  const charm = await esbuild.build(options.charm);
  const execa = await esbuild.build(options.execa);
  writeFileSync(join(root, 'dist.meta.json'), JSON.stringify({ charm: charm.metafile, execa: execa.metafile }));
}

// Build only when run as a script (`node build.mjs [--pack]`), not when imported.
if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await bundle();
  if (process.argv.includes('--pack')) {
    const { packAllPlatforms } = await import('./build/pack.mjs');
    await packAllPlatforms({ root, distDir: 'dist' });
  }
}
