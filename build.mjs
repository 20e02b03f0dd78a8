// Bundles src/ into dist/ with esbuild; `--pack` then writes tinyproxy_amd64.charm.
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = dirname(fileURLToPath(import.meta.url));
const distDir = join(root, 'dist');
// Measured by `npm run bench -- --investigate`: CommonJS starts ~5 ms faster than ESM, and
// execa in a file of its own costs nothing in hooks that run no workload command.
const EXECA_CHUNK = './lib/execa.cjs';

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

/** Keeps `import('execa')` pointing at the separately bundled file next to the charm. */
const execaOnDemand = {
  name: 'execa-on-demand',
  setup(build) {
    build.onResolve({ filter: /^execa$/ }, () => ({ path: EXECA_CHUNK, external: true }));
  },
};

/** Bundles the charm (dist/charm.cjs) and execa (dist/lib/execa.cjs, loaded on first use). */
export async function bundle() {
  rmSync(distDir, { recursive: true, force: true });
  const charm = await esbuild.build({ ...common, entryPoints: ['src/main.ts'], outfile: join(distDir, 'charm.cjs'), plugins: [execaOnDemand] });
  const execa = await esbuild.build({ ...common, stdin: { contents: "export { execa } from 'execa';", resolveDir: root }, outfile: join(distDir, EXECA_CHUNK) });
  writeFileSync(join(root, 'dist.meta.json'), JSON.stringify({ charm: charm.metafile, execa: execa.metafile }));
}

await bundle();
if (process.argv.includes('--pack')) {
  const { packCharm } = await import('./build/pack.mjs');
  await packCharm({ root, outFile: 'tinyproxy_amd64.charm', distDir: 'dist' });
}
