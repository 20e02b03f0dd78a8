// `npm run bench`: bundles bench/bench.ts (which imports the test harnesses in testkit/)
// with esbuild into bench/out/ and runs it. Node 20 cannot import .ts itself.
//   npm run bench                      the hook-speed table, written to bench/results.md
//   npm run bench -- --investigate     also the bundle variants and CPU profiles
//   npm run bench -- --runs 30         more runs per row (default 20, at least 15)
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const outFile = join(root, 'bench', 'out', 'bench.mjs');
mkdirSync(dirname(outFile), { recursive: true });

// The harnesses locate testkit/juju-sim/bin from import.meta.url: keep each file's own URL.
const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /[/\\](testkit|tests|bench)[/\\].*\.ts$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
      loader: 'ts',
    }));
  },
};

await esbuild.build({
  absWorkingDir: root,
  entryPoints: ['bench/bench.ts'],
  outfile: outFile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  plugins: [ownImportMetaUrl],
  logLevel: 'warning',
});
const { main } = await import(pathToFileURL(outFile).href);
process.exitCode = await main(process.argv.slice(2));
