// @ts-check
// Bundles src/ into dist/ with esbuild; `--pack` then writes one .charm per platform of
// charmcraft.yaml: tinyproxy_amd64.charm and tinyproxy_arm64.charm.
// Imported (by bench/trusted.ts) it builds nothing: it exports the options.
import { realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = dirname(fileURLToPath(import.meta.url));
const distDir = join(root, 'dist');
// Measured (bench/DECISIONS.md): CommonJS starts ~5 ms faster than ESM, and
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
 * Built-in modules that Node 18 cannot hold in a user start-up snapshot (building one that loaded
 * them aborts or warns). The charm imports them as usual; the bundle loads them on first use.
 */
export const LAZY_BUILTINS = ['child_process', 'net', 'http', 'https', 'tls', 'dns', 'dgram', 'cluster', 'worker_threads', 'readline', 'repl', 'inspector', 'module', 'http2'];

/**
 * The one loader of run-time modules (lazy built-ins, execa): a require made by createRequire on
 * first use. In a process started from a user start-up snapshot the bundle's own `require` is the
 * snapshot builder's: it loads only built-in modules and, on Node 18, warns on stderr ("not yet
 * supported in user snapshots") once per module it was not asked for while building. So the
 * require used at run time is Node's usual one, made with the createRequire of Node's Module:
 * the class of the bundle's `module` object where there is one (a plain start; snapshots of Node
 * 20 and later); Node 18's snapshot builder passes no `module`, so there `module` itself is loaded
 * while the snapshot is built, which warns in the build's log only, and never again.
 */
const RUNTIME_LOADER = `
const Module = typeof module === 'object' ? module.constructor : require('node:module');
let real;
export function load(id) {
  real ??= Module.createRequire(__filename);
  return real(id);
}
`;

/**
 * Keeps `import('execa')` pointing at the separately bundled file next to the charm, and replaces
 * each import of a LAZY_BUILTINS module by functions that load it on first call.
 * @type {esbuild.Plugin}
 */
export const runtimeModules = {
  name: 'runtime-modules',
  setup(build) {
    const builtin = new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`);
    build.onResolve({ filter: /^tinyproxy-charm:runtime-loader$/ }, (args) => ({ path: args.path, namespace: 'runtime-loader' }));
    build.onResolve({ filter: /^execa$/ }, () => ({ path: 'execa', namespace: 'runtime-execa' }));
    build.onResolve({ filter: builtin }, (args) => (args.namespace === 'runtime-loader' ? { path: args.path, external: true } : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' }));
    build.onLoad({ filter: /.*/, namespace: 'runtime-loader' }, () => ({ contents: RUNTIME_LOADER, loader: 'js' }));
    build.onLoad({ filter: /.*/, namespace: 'runtime-execa' }, () => ({
      contents: `import { load } from 'tinyproxy-charm:runtime-loader'; module.exports = load(${JSON.stringify(EXECA_CHUNK)});`,
      loader: 'js',
    }));
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, async (args) => {
      const real = (await import(`node:${args.path}`)).default;
      const names = Object.keys(real).filter((k) => typeof real[k] === 'function' && /^[A-Za-z_$][\w$]*$/.test(k));
      const lines = [`import { load as loadModule } from 'tinyproxy-charm:runtime-loader';`, `let m; const load = () => (m ??= loadModule(${JSON.stringify(`node:${args.path}`)}));`];
      for (const k of names) {
        lines.push(`export function ${k}(...a) { return new.target ? Reflect.construct(load().${k}, a, new.target) : load().${k}.apply(this, a); }`);
      }
      return { contents: lines.join('\n'), loader: 'js' };
    });
  },
};

/**
 * The esbuild options of the two builds: the charm (<outDir>/charm.cjs) and execa (<outDir>/lib/execa.cjs).
 * @returns {{ charm: esbuild.BuildOptions, execa: esbuild.BuildOptions }}
 */
export function buildOptions(outDir = distDir) {
  return {
    // `import('execa')` becomes a require(): import() would start Node's ESM loader (~17 ms).
    charm: { ...common, entryPoints: ['src/main.ts'], outfile: join(outDir, 'charm.cjs'), plugins: [runtimeModules], supported: { 'dynamic-import': false } },
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
