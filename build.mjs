// Bundles src/ into dist/ with esbuild; `--pack` then writes tinyproxy_amd64.charm.
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = dirname(fileURLToPath(import.meta.url));
const distDir = join(root, 'dist');

/** Bundles the charm: one entry plus chunks loaded only when a hook needs them (execa). */
export async function bundle() {
  rmSync(distDir, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { charm: 'src/main.ts' },
    outdir: distDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    // Ubuntu 24.04's nodejs is 18.19, the oldest runtime dispatch accepts.
    target: 'node18.19',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'lib/[name]-[hash]',
    minify: true,
    legalComments: 'none',
    metafile: true,
    // execa's CommonJS dependencies call require(); ESM output has none unless we make one.
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
    logLevel: 'warning',
  });
  writeFileSync(join(root, 'dist.meta.json'), JSON.stringify(result.metafile));
  return result;
}

await bundle();
if (process.argv.includes('--pack')) {
  const { packCharm } = await import('./build/pack.mjs');
  await packCharm({ root, outFile: 'tinyproxy_amd64.charm', distDir: 'dist' });
}
