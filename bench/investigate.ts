// `npm run bench -- --investigate`: builds variants of the bundle from the same entry
// (src/main.ts) into copies of the unpacked charm, runs their real hooks with the same harness
// and namespaces, interleaved with the floor, and profiles update-status and config-changed.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import type { SimUnit } from '../tests/harness/juju-sim.ts';
import { copyCharm, fileSizes, tempDir, type Sample } from './rig.ts';
import { delta, kib, median, ms, ratio, table } from './stats.ts';

export interface InvestigateContext {
  root: string;
  /** The unpacked, shipped charm. */
  charmDir: string;
  wrap: readonly string[];
  floor: SimUnit;
  runs: number;
  simUnit(charmDir: string): Promise<SimUnit>;
  timedHook(unit: SimUnit, event: string, wrap: readonly string[], env?: Record<string, string>): Promise<Sample>;
}

// As build.mjs's banner (split so that bench/run.mjs's import.meta.url rewrite leaves it alone).
const REQUIRE_BANNER = "import{createRequire as __cr}from'node:module';const require=__cr(import.meta" + '.url);';
const HOOKS = ['update-status', 'config-changed', 'install'] as const;
const HOOK_LABEL: Record<string, string> = {
  'update-status': 'update-status',
  'config-changed': 'config-changed (no change)',
  install: 'install (installed; loads execa)',
};

/** The bundle as build.mjs makes it (ESM, splitting, execa in a lazily imported chunk), plus overrides. */
function baseOptions(root: string, outdir: string): esbuild.BuildOptions {
  return {
    absWorkingDir: root,
    entryPoints: { charm: 'src/main.ts' },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node18.19',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'lib/[name]-[hash]',
    minify: true,
    legalComments: 'none',
    banner: { js: REQUIRE_BANNER },
    logLevel: 'error',
  };
}

/** CommonJS has no top-level await: src/main.ts's last line becomes a .then() (build-time only). */
const noTopLevelAwait: esbuild.Plugin = {
  name: 'no-top-level-await',
  setup(build) {
    build.onLoad({ filter: /[/\\]src[/\\]main\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const line = 'process.exitCode = await main();';
      if (!text.includes(line)) throw new Error(`bench: ${args.path} no longer ends with "${line}"; update bench/investigate.ts`);
      return { contents: text.replace(line, 'void main().then((code) => { process.exitCode = code; });'), loader: 'ts' };
    });
  },
};

/** execa from a second CommonJS file, dist/lib/execa.cjs, required on first use. */
const execaApart: esbuild.Plugin = {
  name: 'execa-apart',
  setup(build) {
    build.onResolve({ filter: /^execa$/ }, () => ({ path: './lib/execa.cjs', external: true }));
  },
};

const withoutZod = (root: string): esbuild.Plugin => ({
  name: 'without-zod',
  setup(build) {
    build.onResolve({ filter: /^zod\/mini$/ }, () => ({ path: join(root, 'bench', 'zod-mini-shim.ts') }));
  },
});

/** Loads dist/charm.cjs through vm.Script with a V8 code cache beside it, written when missing or rejected. */
const CODE_CACHE_BOOT = `'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');
const file = path.join(__dirname, 'charm.cjs');
const cacheFile = file + '.v8cache';
let cachedData;
try { cachedData = fs.readFileSync(cacheFile); } catch {}
const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
if (cachedData === undefined || script.cachedDataRejected) {
  process.once('exit', () => {
    try {
      const tmp = cacheFile + '.' + process.pid;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
    } catch {}
  });
}
if (process.env.BENCH_CACHE_REPORT) fs.writeFileSync(process.env.BENCH_CACHE_REPORT, cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted');
const mod = { exports: {} };
script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, __dirname);
`;

interface Variant {
  key: string;
  label: string;
  dir: string;
  hooks: readonly string[];
  unit?: SimUnit;
}

/** Points the copied dispatch at another entry file (or node flags); fails loudly if dispatch changed. */
function patchDispatch(dir: string, exec: string, line = 'exec "$node" "$charm_dir/dist/charm.cjs"'): void {
  const file = join(dir, 'dispatch');
  const text = readFileSync(file, 'utf8');
  if (!text.includes(line)) throw new Error(`dispatch no longer has the line ${line}`);
  writeFileSync(file, text.replace(line, exec));
  chmodSync(file, 0o755);
}

/** A build-time edit of one source file (the bench never writes to src/). */
function patchSource(name: string, file: RegExp, from: string | RegExp, to: string): esbuild.Plugin {
  return {
    name,
    setup(build) {
      build.onLoad({ filter: file }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        const edited = text.replace(from, () => to);
        if (edited === text) throw new Error(`${name}: ${args.path} changed, the edit no longer applies`);
        return { contents: edited, loader: 'ts' };
      });
    },
  };
}

/** Reads /proc/<pid>/stat only; cmdline and status are read on first use (most processes are skipped by comm). */
const leanProcfs = patchSource('lean-procfs', /[/\\]src[/\\]workload[/\\]procfs\.ts$/,
  /export function readProcess\(pid: number\): ProcessInfo \| undefined \{[\s\S]*?\n\}\n/,
  `export function readProcess(pid: number): ProcessInfo | undefined {
  const stat = readText(\`/proc/\${pid}/stat\`);
  if (stat === undefined) return undefined;
  const close = stat.lastIndexOf(')');
  let argv: string[] | undefined;
  let uid: number | undefined;
  return {
    pid, comm: stat.slice(stat.indexOf('(') + 1, close), state: stat.slice(close + 2, close + 3),
    get argv() { return (argv ??= (readText(\`/proc/\${pid}/cmdline\`) ?? '').split('\\0').filter((part) => part !== '')); },
    get uid() { return (uid ??= Number(/^Uid:\\s+(\\d+)/m.exec(readText(\`/proc/\${pid}/status\`) ?? '')?.[1] ?? -1)); },
  };
}
`);

/** The direct daemon looks at the PID in tinyproxy's pid file first, verified as ours, before scanning /proc. */
const pidFileFirst = patchSource('pid-file-first', /[/\\]src[/\\]workload[/\\]direct\.ts$/,
  'const find = (): ProcessInfo | undefined => findProcesses((info) => isOurTinyproxy(info, paths.configFile))[0];',
  `const find = (): ProcessInfo | undefined => {
    let pid = Number.NaN;
    try { pid = Number(readFileSync(paths.pidFile, 'utf8').trim()); } catch { /* no pid file */ }
    const info = Number.isInteger(pid) && pid > 0 ? readProcess(pid) : undefined;
    if (isAlive(info) && isOurTinyproxy(info, paths.configFile)) return info;
    return findProcesses((p) => isOurTinyproxy(p, paths.configFile))[0];
  };`);

/** Workload commands through node:child_process spawn instead of execa (same result: stdout without its final newline, CommandError). */
const withoutExeca = patchSource('without-execa', /[/\\]src[/\\]workload[/\\]exec\.ts$/,
  /export async function runCommand\([\s\S]*$/,
  `export async function runCommand(file: string, args: readonly string[], options: CommandOptions = {}): Promise<string> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], {
      env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    child.once('error', (error) => reject(new CommandError([file, ...args], undefined, error.message)));
    child.once('close', (code, signal) => {
      if (code === 0) resolve(stdout.replace(/\\r?\\n$/, ''));
      else reject(new CommandError([file, ...args], code ?? undefined, stderr || \`killed by \${signal}\`));
    });
  });
}
`);

async function buildVariants(ctx: InvestigateContext): Promise<{ variants: Variant[]; skipped: string[] }> {
  const { root, charmDir } = ctx;
  const variants: Variant[] = [];
  const skipped: string[] = [];
  const add = async (key: string, label: string, make: (dir: string) => Promise<void>, hooks: readonly string[] = HOOKS): Promise<void> => {
    const dir = copyCharm(charmDir, `tpbench-${key}-`);
    try {
      await make(dir);
      variants.push({ key, label, dir, hooks });
    } catch (error) {
      skipped.push(`\`${key}\`: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  };
  const esm = (dir: string, over: esbuild.BuildOptions = {}) => esbuild.build({ ...baseOptions(root, join(dir, 'dist')), ...over });
  const cjs = async (dir: string, plugins: esbuild.Plugin[], split: boolean): Promise<void> => {
    await esbuild.build({
      ...baseOptions(root, join(dir, 'dist')), format: 'cjs', splitting: false, outExtension: { '.js': '.cjs' }, banner: {},
      supported: { 'dynamic-import': false }, plugins: [noTopLevelAwait, ...(split ? [execaApart] : []), ...plugins],
    });
    if (split) {
      await esbuild.build({
        absWorkingDir: root, stdin: { contents: "export { execa } from 'execa';", resolveDir: root, loader: 'js' },
        outfile: join(dir, 'dist', 'lib', 'execa.cjs'), bundle: true, format: 'cjs', platform: 'node', target: 'node18.19',
        minify: true, legalComments: 'none', logLevel: 'error',
      });
    }
    patchDispatch(dir, 'exec "$node" "$charm_dir/dist/charm.cjs"');
  };
  const codeCache = (dir: string): void => {
    writeFileSync(join(dir, 'dist', 'boot.cjs'), CODE_CACHE_BOOT);
    patchDispatch(dir, 'exec "$node" "$charm_dir/dist/boot.cjs"', 'exec "$node" "$charm_dir/dist/charm.cjs"');
  };

  await add('shipped', 'ESM + splitting, execa in a lazy chunk (build.mjs)', async (dir) => {
    await esm(dir);
    // The variant build of build.mjs's options should reproduce npm run pack's bundle.
    const sizes = (d: string) => fileSizes(join(d, 'dist')).map((f) => f.bytes).join();
    if (sizes(dir) !== sizes(charmDir)) console.warn('bench: the rebuilt shipped bundle differs in size from npm run pack output');
  });
  await add('esm-single', 'ESM, one file (no splitting)', (dir) => esm(dir, { splitting: false }).then(() => undefined));
  await add('cjs-single', 'CJS, one file', (dir) => cjs(dir, [], false));
  await add('cjs-split', 'CJS, two builds: execa in lib/execa.cjs, required on first use', (dir) => cjs(dir, [], true));
  await add('cjs-cache', 'cjs-split + V8 code cache beside the bundle (vm.Script cachedData)', async (dir) => {
    await cjs(dir, [], true);
    codeCache(dir);
  });
  await add('no-zod', 'shipped with zod/mini replaced by a 70-line stand-in', (dir) => esm(dir, { plugins: [withoutZod(root)] }).then(() => undefined));
  await add('lean-proc', 'shipped, /proc scan reads stat only (cmdline, status on demand)', (dir) => esm(dir, { plugins: [leanProcfs] }).then(() => undefined));
  await add('pid-file', 'shipped, direct daemon checks the pid file first (verified), then scans', (dir) => esm(dir, { plugins: [pidFileFirst] }).then(() => undefined));
  await add('no-execa', 'shipped, workload commands through node:child_process spawn, no execa', (dir) => esm(dir, { plugins: [withoutExeca] }).then(() => undefined));
  await add('combined', 'cjs-split + no-zod + lean-proc + pid-file', (dir) => cjs(dir, [withoutZod(root), leanProcfs, pidFileFirst], true));
  await add('combined-cache', 'combined + V8 code cache', async (dir) => {
    await cjs(dir, [withoutZod(root), leanProcfs, pidFileFirst], true);
    codeCache(dir);
  });
  await add('combined-no-execa', 'CJS one file + no-execa + no-zod + lean-proc + pid-file', (dir) => cjs(dir, [withoutExeca, withoutZod(root), leanProcfs, pidFileFirst], false));

  // Start-up pieces, run the same way (they ignore the event).
  const piece = (key: string, label: string, body: string, files: Record<string, string> = {}) =>
    add(key, label, async (dir) => {
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
      writeFileSync(join(dir, 'dispatch'), `#!/bin/sh\n${body}\n`);
      chmodSync(join(dir, 'dispatch'), 0o755);
      rmSync(join(dir, 'dist'), { recursive: true, force: true });
    }, ['update-status']);
  await add('empty', 'dispatch + an empty dist/charm.cjs (no charm code)', async (dir) => {
    mkdirSync(join(dir, 'dist'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'charm.cjs'), '');
  }, ['update-status']);
  await piece('sh-version', 'piece: `node --version >/dev/null; exec node -e 0` (a version check; dispatch now does it once and remembers)', 'node --version >/dev/null; exec node -e 0');
  await piece('sh-cjs', 'piece: `exec node empty.cjs`', 'exec node empty.cjs', { 'empty.cjs': '' });
  await piece('sh-mjs', 'piece: `exec node empty.mjs` (ESM loader)', 'exec node empty.mjs', { 'empty.mjs': '' });
  await piece('sh-ca-certs', 'piece: `NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt exec node -e 0` (what dispatch\'s unset avoids)',
    'NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt exec node -e 0');
  await piece('sh-http', 'piece: `exec node -e "require(\'node:child_process\'); require(\'node:net\'); require(\'node:http\')"`',
    'exec node -e "require(\'node:child_process\'); require(\'node:net\'); require(\'node:http\')"');
  await piece('sh-builtins', 'piece: `exec node -e "require(\'node:child_process\'); require(\'node:net\')"`',
    'exec node -e "require(\'node:child_process\'); require(\'node:net\')"');
  return { variants, skipped };
}

const distBytes = (dir: string): { raw: number; deflated: number } => {
  let raw = 0;
  if (!existsSync(join(dir, 'dist'))) return { raw: 0, deflated: 0 };
  let deflated = 0;
  for (const f of fileSizes(join(dir, 'dist'))) {
    if (f.file.endsWith('.v8cache')) continue;
    const data = readFileSync(join(dir, 'dist', f.file));
    raw += data.length;
    deflated += deflateRawSync(data, { level: 9 }).length;
  }
  return { raw, deflated };
};

// ---------------------------------------------------------------------------------------------
// CPU profiles

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** For each bundle file, the module (from esbuild's `// path` comments) that starts at each line. */
function moduleMap(distDir: string): Map<string, Array<[number, string]>> {
  const map = new Map<string, Array<[number, string]>>();
  for (const f of fileSizes(distDir)) {
    const starts: Array<[number, string]> = [];
    readFileSync(join(distDir, f.file), 'utf8').split('\n').forEach((line, i) => {
      const m = /^\/\/ ((?:src|node_modules)\/\S+)$/.exec(line);
      if (m?.[1]) starts.push([i, m[1]]);
    });
    map.set(f.file, starts);
  }
  return map;
}

/** A readable bucket for a profile node: a source module group, a node internal, or a V8 pseudo-node. */
function bucketOf(frame: ProfileNode['callFrame'], modules: Map<string, Array<[number, string]>>): string {
  const { url, functionName, lineNumber } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : `native ${functionName}`;
  if (url.startsWith('node:internal/modules/') || url.startsWith('node:internal/process/') || url === 'node:internal/main/run_main_module') return 'node: module loader, bootstrap';
  if (url.startsWith('node:')) return `node: ${url.replace(/^node:(internal\/)?/, '')}`;
  const file = url.replace(/^file:\/\/.*?\/dist\//, '');
  const starts = modules.get(file);
  if (!starts) return url;
  let module = `${file} top level (esbuild runtime, module init)`;
  for (const [line, name] of starts) if (line <= lineNumber) module = name;
  if (module.startsWith('node_modules/zod/')) return 'zod/mini';
  if (module.startsWith('node_modules/')) return `execa & deps (${module.split('/')[1]})`;
  return module;
}

interface ProfileSummary {
  totalMs: number;
  buckets: Map<string, number>;
  functions: Map<string, number>;
  inclusive: Map<string, number>;
}

const INCLUSIVE_OF = ['runHookTool', 'findProcesses', 'mapsPath', 'contextFromEnv', 'parseCharmConfig', 'runCharm', 'collectStatus', 'ensureFileContents', 'listeningInodes'];

function summarize(profile: CpuProfile, modules: Map<string, Array<[number, string]>>): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let t = profile.startTime;
  const stamps = profile.timeDeltas.map((d) => (t += d));
  profile.samples.forEach((id, i) => {
    const next = stamps[i + 1] ?? profile.endTime;
    self.set(id, (self.get(id) ?? 0) + Math.max(0, next - (stamps[i] ?? next)));
  });
  const buckets = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const node of profile.nodes) {
    const us = self.get(node.id) ?? 0;
    if (us === 0) continue;
    const bucket = bucketOf(node.callFrame, modules);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + us / 1000);
    const fn = `${node.callFrame.functionName || '(anonymous)'} [${bucket}]`;
    functions.set(fn, (functions.get(fn) ?? 0) + us / 1000);
  }
  // Inclusive time of named charm functions (outermost occurrence only).
  const inclusive = new Map<string, number>();
  const total = (id: number): number => {
    const n = byId.get(id);
    return (self.get(id) ?? 0) + (n?.children ?? []).reduce((s, c) => s + total(c), 0);
  };
  const walk = (id: number, inside: ReadonlySet<string>): void => {
    const n = byId.get(id);
    if (!n) return;
    const name = n.callFrame.functionName;
    let next = inside;
    if (INCLUSIVE_OF.includes(name) && !inside.has(name)) {
      inclusive.set(name, (inclusive.get(name) ?? 0) + total(id) / 1000);
      next = new Set([...inside, name]);
    }
    for (const c of n.children ?? []) walk(c, next);
  };
  const rootNode = profile.nodes[0];
  if (rootNode) walk(rootNode.id, new Set());
  return { totalMs: (profile.endTime - profile.startTime) / 1000, buckets, functions, inclusive };
}

async function profileHooks(ctx: InvestigateContext, runs: number): Promise<string> {
  const dir = copyCharm(ctx.charmDir, 'tpbench-prof-');
  // Not minified, so function names and esbuild's per-module comments survive.
  await esbuild.build({ ...baseOptions(ctx.root, join(dir, 'dist')), minify: false });
  patchDispatch(dir, 'exec "$node" --cpu-prof --cpu-prof-dir="$BENCH_PROF_DIR" --cpu-prof-interval 100 "$charm_dir/dist/charm.cjs"');
  const unit = await ctx.simUnit(dir);
  const profDir = tempDir('tpbench-cpuprof-');
  const modules = moduleMap(join(dir, 'dist'));
  const sections: string[] = [];
  await ctx.timedHook(unit, 'config-changed', ctx.wrap, { BENCH_PROF_DIR: join(profDir, 'warm') });
  for (const hook of ['update-status', 'config-changed'] as const) {
    const out = join(profDir, hook);
    mkdirSync(out, { recursive: true });
    for (let i = 0; i < 2; i++) await ctx.timedHook(unit, hook, ctx.wrap, { BENCH_PROF_DIR: join(profDir, 'warm') });
    const walls: number[] = [];
    for (let i = 0; i < runs; i++) walls.push((await ctx.timedHook(unit, hook, ctx.wrap, { BENCH_PROF_DIR: out })).ms);
    const summaries = readdirSync(out).map((f) => summarize(JSON.parse(readFileSync(join(out, f), 'utf8')) as CpuProfile, modules));
    const n = summaries.length;
    const avg = (get: (s: ProfileSummary) => Map<string, number>): Array<[string, number]> => {
      const sum = new Map<string, number>();
      for (const s of summaries) for (const [k, v] of get(s)) sum.set(k, (sum.get(k) ?? 0) + v / n);
      return [...sum.entries()].sort((a, b) => b[1] - a[1]);
    };
    const top = (entries: Array<[string, number]>, n: number): string[][] => [
      ...entries.slice(0, n).map(([k, v]) => [k, v.toFixed(2)]),
      ...(entries.length > n ? [[`${entries.length - n} others`, entries.slice(n).reduce((a, [, v]) => a + v, 0).toFixed(2)]] : []),
    ];
    const profiled = summaries.reduce((s, x) => s + x.totalMs, 0) / n;
    sections.push([
      `#### ${hook} (${n} profiles, unminified bundle, 100 µs sampling)`,
      '',
      `Wall time of the profiled hook: median ${ms(median(walls))} ms; profiled part (from the profiler's start, after Node's own bootstrap, to exit): mean ${ms(profiled)} ms.`,
      '',
      'Self time by where the code comes from (mean ms per hook):',
      '',
      table(['bucket', 'ms'], top(avg((s) => s.buckets), 16)),
      '',
      'Inclusive time of charm functions (mean ms per hook; waits on child processes count, waits on sockets in the event loop do not):',
      '',
      table(['function', 'ms'], avg((s) => s.inclusive).map(([k, v]) => [`\`${k}\``, v.toFixed(2)])),
      '',
      'Top self time by function:',
      '',
      table(['function [bucket]', 'ms'], avg((s) => s.functions).slice(0, 12).map(([k, v]) => [k.replace(/\|/g, '\\|'), v.toFixed(2)])),
    ].join('\n'));
  }
  return sections.join('\n\n');
}

// ---------------------------------------------------------------------------------------------
// zod/mini start-up cost outside the charm: node on a file that only imports it and parses once

async function zodMicro(ctx: InvestigateContext, runs: number): Promise<string> {
  const dir = tempDir('tpbench-zod-');
  const parse = `
const S = z.object({ slug: z.string().check(z.regex(/^[a-z0-9-]+$/)), 'server-port': z.int().check(z.gte(1), z.lte(65535), z.refine((p) => p !== 22)), upstream: z.string() });
const E = z.object({ JUJU_DISPATCH_PATH: z.string().check(z.minLength(1)), JUJU_CHARM_DIR: z.optional(z.string()) });
if (!z.safeParse(S, { slug: 'example', 'server-port': 8000, upstream: 'http://www.example.com/' }).success) process.exit(3);
if (!z.safeParse(E, { JUJU_DISPATCH_PATH: 'hooks/update-status' }).success) process.exit(3);`;
  const files: Record<string, string> = {
    'empty.mjs': '',
    'zod.mjs': `import * as z from 'zod/mini';${parse}`,
    'shim.mjs': `import * as z from 'zod/mini';${parse}`,
  };
  for (const [name, contents] of Object.entries(files)) {
    await esbuild.build({
      absWorkingDir: ctx.root, stdin: { contents, resolveDir: ctx.root, loader: 'js' }, outfile: join(dir, name), bundle: true,
      format: 'esm', platform: 'node', target: 'node18.19', minify: true, logLevel: 'error',
      plugins: name === 'shim.mjs' ? [withoutZod(ctx.root)] : [],
    });
  }
  const times: Record<string, number[]> = { 'empty.mjs': [], 'zod.mjs': [], 'shim.mjs': [] };
  const env = { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' };
  for (let i = 0; i < runs * 2; i++) {
    for (const name of Object.keys(times)) {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [join(dir, name)], { env, stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`bench: zod micro ${name} exited ${r.status}`);
      times[name]?.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  const e = median(times['empty.mjs'] ?? []);
  const size = (name: string): string => kib(readFileSync(join(dir, name)).length);
  return table(['`node <file>.mjs` (clean env, no namespace)', 'bundle KiB', 'median ms', 'minus empty'], [
    ['empty file', size('empty.mjs'), ms(e), '0'],
    ['zod/mini: both charm schemas built + parsed once', size('zod.mjs'), ms(median(times['zod.mjs'] ?? [])), delta(median(times['zod.mjs'] ?? []) - e)],
    ['the same with the stand-in', size('shim.mjs'), ms(median(times['shim.mjs'] ?? [])), delta(median(times['shim.mjs'] ?? []) - e)],
  ]);
}

// ---------------------------------------------------------------------------------------------

export async function investigate(ctx: InvestigateContext): Promise<string> {
  const { runs, wrap, floor } = ctx;
  console.log('bench: building bundle variants');
  const { variants, skipped } = await buildVariants(ctx);
  for (const v of variants) v.unit = await ctx.simUnit(v.dir);
  const unitOf = (v: Variant): SimUnit => {
    if (!v.unit) throw new Error(`no unit for ${v.key}`);
    return v.unit;
  };

  // Warm-up: the first config-changed of each variant rewrites the config back to slug=example
  // (reload) and records shouldRun; the code-cache variants write their cache.
  for (const v of [...variants]) {
    for (const hook of ['config-changed', 'config-changed', 'update-status', 'install']) {
      const s = await ctx.timedHook(unitOf(v), hook, wrap);
      if (s.exitCode !== 0) {
        skipped.push(`\`${v.key}\`: ${hook} exited ${s.exitCode}: ${s.stderr.trim().split('\n').slice(-2).join(' | ')}`);
        variants.splice(variants.indexOf(v), 1);
        break;
      }
    }
  }
  const cacheChecks: string[] = [];
  for (const v of variants.filter((x) => x.key.endsWith('-cache'))) {
    const report = join(tempDir('tpbench-cachecheck-'), 'report');
    await ctx.timedHook(unitOf(v), 'update-status', wrap, { BENCH_CACHE_REPORT: report });
    cacheChecks.push(`\`${v.key}\`: ${existsSync(report) ? readFileSync(report, 'utf8') : 'no report'}`);
  }
  const cacheVariant = variants.find((v) => v.key === 'cjs-cache');
  const cacheFile = cacheVariant ? join(cacheVariant.dir, 'dist', 'charm.cjs.v8cache') : '';
  const cacheBytes = existsSync(cacheFile) ? readFileSync(cacheFile).length : 0;

  console.log(`bench: ${runs} rounds over ${variants.length} variants`);
  const samples = new Map<string, Sample[]>();
  const floors: Sample[] = [];
  const coldCache: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    for (const hook of HOOKS) {
      for (const v of variants) {
        if (!v.hooks.includes(hook)) continue;
        floors.push(await ctx.timedHook(floor, 'update-status', wrap));
        const s = await ctx.timedHook(unitOf(v), hook, wrap);
        if (s.exitCode !== 0) throw new Error(`bench: variant ${v.key} ${hook} exited ${s.exitCode}: ${s.stderr}`);
        if (v.hooks.length > 1 && s.status.status !== 'active') throw new Error(`bench: variant ${v.key} ${hook} left status ${JSON.stringify(s.status)}`);
        const key = `${v.key} ${hook}`;
        samples.set(key, [...(samples.get(key) ?? []), s]);
      }
    }
    if (cacheVariant && i < 8) {
      // The run that has no cache yet (first hook after deploy or upgrade) and writes it.
      rmSync(cacheFile, { force: true });
      floors.push(await ctx.timedHook(floor, 'update-status', wrap));
      coldCache.push(await ctx.timedHook(unitOf(cacheVariant), 'update-status', wrap));
    }
    process.stdout.write('.');
  }
  process.stdout.write('\n');

  const floorMedian = median(floors.map((s) => s.ms));
  const med = (key: string): number => median((samples.get(key) ?? []).map((s) => s.ms));
  const us = (key: string): number => med(`${key} update-status`);
  const charmVariants = variants.filter((v) => v.hooks.length > 1);
  const variantTable = table(
    ['variant', ...HOOKS.map((h) => `${HOOK_LABEL[h]}: median ms (vs shipped)`), 'update-status / floor', 'config-changed / floor', 'dist KiB raw / deflated'],
    charmVariants.map((v) => {
      const size = distBytes(v.dir);
      return [
        `\`${v.key}\`: ${v.label}`,
        ...HOOKS.map((h) => `${ms(med(`${v.key} ${h}`))} (${delta(med(`${v.key} ${h}`) - med(`shipped ${h}`))})`),
        ratio(us(v.key) / floorMedian),
        ratio(med(`${v.key} config-changed`) / floorMedian),
        `${kib(size.raw)} / ${kib(size.deflated)}`,
      ];
    }),
  );
  const pieceTable = table(['start-up piece, run like a hook', 'median ms', 'minus floor'], [
    ['floor: `exec node -e 0`', ms(floorMedian), '0'],
    ...variants.filter((v) => v.hooks.length === 1).map((v) => [`\`${v.key}\`: ${v.label}`, ms(us(v.key)), delta(us(v.key) - floorMedian)]),
  ]);

  console.log('bench: CPU profiles');
  const profiles = await profileHooks(ctx, Math.min(runs, 10));
  console.log('bench: zod/mini micro-benchmark');
  const micro = await zodMicro(ctx, runs);
  const sizeOf = (key: string): string => kib(distBytes(variants.find((v) => v.key === key)?.dir ?? '').raw);

  const gain = (key: string, hook: string, base = 'shipped'): number => med(`${key} ${hook}`) - med(`${base} ${hook}`);
  const has = (key: string): boolean => variants.some((v) => v.key === key);
  const piece = (key: string): number => us(key) - floorMedian;
  const gains = (key: string, base = 'shipped'): string =>
    HOOKS.map((h) => `${h} ${delta(gain(key, h, base))} ms`).join(', ');
  // [variant, the variant it adds to, the change]
  const CHANGES: Array<[string, string, string]> = [
    ['pid-file', 'shipped', 'Find the running tinyproxy without scanning /proc: read its pid file and verify that PID (alive, comm tinyproxy, `-c <config>`), scan only when that fails (src/workload/direct.ts `find`). In systemd mode read the unit\'s `cgroup.procs` (/sys/fs/cgroup/system.slice/tinyproxy.service/cgroup.procs) instead of `findProcesses` + /proc/<pid>/cgroup (systemd.ts `findMain`). update-status scans /proc 3 times (converge, reconcile, collect-status), 3 files per process; the cost grows with the machine\'s process count.'],
    ['cjs-split', 'shipped', 'Ship CommonJS: two esbuild builds (dist/charm.cjs with `execa` external as ./lib/execa.cjs, and lib/execa.cjs), `supported: { \'dynamic-import\': false }` so the lazy import becomes a require; dispatch runs dist/charm.cjs; src/main.ts without top-level await (`main().then(...)`). Saves the ESM loader.'],
    ['no-zod', 'shipped', 'Validate the JUJU_* environment and the config by hand instead of zod/mini (the charm uses 2 small object schemas; ~40 lines, same messages).'],
    ['no-execa', 'shipped', 'Run workload commands with node:child_process `spawn` (a 25-line runCommand with the same CommandError) instead of execa: the 113 KiB chunk goes, and install/start/upgrade/remove and every systemd-mode command stop loading it.'],
    ['lean-proc', 'shipped', 'Where /proc is still scanned (port holders, fallback): read /proc/<pid>/stat only and cmdline/status when a caller asks (lazy getters).'],
    ['cjs-cache', 'cjs-split', 'On top of CJS, a V8 code cache beside the bundle (a 20-line loader: vm.Script with cachedData, written by the first '
      + `hook on the machine, ${kib(cacheBytes)} KiB; that first hook costs ${delta(median(coldCache.map((s) => s.ms)) - us('cjs-cache'))} ms more). `
      + `On top of the other changes it brings update-status ${delta(gain('combined-cache', 'update-status', 'combined'))} ms, config-changed `
      + `${delta(gain('combined-cache', 'config-changed', 'combined'))} ms (\`combined-cache\` vs \`combined\`): `
      + (gain('combined-cache', 'update-status', 'combined') < -3 ? 'worth weighing against a loader, a writable charm dir and a cache to invalidate.' : 'not worth a loader, a writable charm dir and a cache to invalidate.')],
  ];
  const ranked = CHANGES.filter(([key, base]) => has(key) && has(base))
    .sort((a, b) => gain(a[0], 'update-status', a[1]) - gain(b[0], 'update-status', b[1]));
  const recommendations = ranked.map(([key, base, text], i) => `${i + 1}. \`${key}\` (vs \`${base}\`): ${gains(key, base)}. ${text}`);
  const together = ['combined', 'combined-no-execa', 'combined-cache'].filter(has).map((key) =>
    `- \`${key}\`: update-status ${ms(us(key))} ms = ${ratio(us(key) / floorMedian)} the floor, config-changed ${ms(med(`${key} config-changed`))} ms = ${ratio(med(`${key} config-changed`) / floorMedian)}, install ${ms(med(`${key} install`))} ms (${gains(key)}).`);
  const decisions = [
    `- Hook tools through node:child_process \`execFileSync\`, execa only for workload commands and only in a lazily imported chunk: `
    + `keeping execa in the main file (\`esm-single\`) costs update-status ${delta(gain('esm-single', 'update-status'))} ms; a hook that loads and uses execa `
    + `(install) costs ${delta(med('shipped install') - us('shipped'))} ms over update-status (the \`tinyproxy -v\` command and one more hook tool included); `
    + `\`no-execa\` measures the rest of the way: ${gains('no-execa')}.`,
    `- ESM output (top-level await, lazy chunk) rather than CJS: the ESM loader costs ${delta(piece('sh-mjs') - piece('sh-cjs'))} ms on an empty file; `
    + `\`cjs-single\` (execa inlined) ${gains('cjs-single')}; \`cjs-split\` ${gains('cjs-split')}.`,
    `- dispatch unsets NODE_EXTRA_CA_CERTS: with it set a Node start costs ${delta(piece('sh-ca-certs'))} ms more here.`,
    `- dispatch remembers the verified runtime (.runtime/node): a \`node --version\` check costs ${delta(piece('sh-version'))} ms per hook.`,
    `- The serving probe is raw HTTP over node:net, not node:http: node:http on top of child_process and net costs ${delta(piece('sh-http') - piece('sh-builtins'))} ms; `
    + `child_process + net themselves cost ${delta(piece('sh-builtins'))} ms over \`node -e 0\`.`,
    `- zod/mini for the config and the environment: ${gains('no-zod')} against a hand-written stand-in; ${sizeOf('shipped')} vs ${sizeOf('no-zod')} KiB of bundle.`,
  ];

  return [
    '## Recommended changes, ordered by gain on update-status',
    '',
    'Each measured alone against `shipped` (medians; see the variants below):',
    '',
    ...recommendations,
    '',
    'Together:',
    '',
    ...together,
    '',
    '## Decisions and their measured effect',
    '',
    ...decisions,
    '',
    `## Investigations (${new Date().toISOString()}, ${runs} runs a cell)`,
    '',
    'Every variant is built from src/main.ts with esbuild (edits are applied at build time by bench plugins; src/ is '
    + 'untouched) into a copy of the unpacked charm and run with the same harness, namespace and wrapper as the table above, '
    + `round-robin with the floor (floor median here: ${ms(floorMedian)} ms over ${floors.length} runs). Differences are `
    + 'medians against `shipped`, which is rebuilt here with build.mjs\'s options.',
    '',
    variantTable,
    '',
    ...(skipped.length > 0 ? ['Not measured:', '', ...skipped.map((k) => `- ${k}`), ''] : []),
    `- V8 code cache: ${kib(cacheBytes)} KiB written beside the bundle. The hook that has no cache yet and writes it: median `
    + `${ms(median(coldCache.map((s) => s.ms)))} ms over ${coldCache.length} runs (update-status, vs ${ms(us('cjs-cache'))} with the cache). `
    + `Cache state seen by the loader after the warm-up: ${cacheChecks.join(', ')}.`,
    `- the charm code of update-status over an empty bundle: ${delta(us('shipped') - us('empty'))} ms.`,
    '',
    pieceTable,
    '',
    '### zod/mini at start-up',
    '',
    micro,
    '',
    `On the real hooks: \`no-zod\` vs \`shipped\`: update-status ${delta(us('no-zod') - us('shipped'))} ms, config-changed `
    + `${delta(med('no-zod config-changed') - med('shipped config-changed'))} ms; bundle ${sizeOf('no-zod')} KiB vs ${sizeOf('shipped')} KiB.`,
    '',
    '### CPU profiles',
    '',
    profiles,
  ].join('\n');
}
