// CPU profiles of the shipped charm's hooks for `npm run bench -- --investigate`: the bundle
// rebuilt unminified with build.mjs's options (so function names and esbuild's per-module
// comments survive), dispatch running node with --cpu-prof, summarised per source module.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimUnit } from '../testkit/juju-sim.ts';
import { EXEC_LINE, patchDispatch } from './patches.ts';
import { copyCharm, fileSizes, type Sample, tempDir } from './rig.ts';
import { median, ms, table } from './stats.ts';
import { buildShipped, loadBuild } from './variants.ts';

export interface ProfileContext {
  root: string;
  charmDir: string;
  wrap: readonly string[];
  simUnit(charmDir: string): Promise<SimUnit>;
  timedHook(unit: SimUnit, event: string, wrap: readonly string[], env?: Record<string, string>): Promise<Sample>;
}

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
    readFileSync(join(distDir, f.file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
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
  if (url.startsWith('node:internal/modules/esm/')) return 'node: ESM loader';
  if (url.startsWith('node:internal/deps/cjs-module-lexer/')) return 'node: cjs-module-lexer (ESM loader on a .cjs file)';
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

/** Charm functions whose inclusive time is reported (outermost call only). */
const INCLUSIVE_OF = [
  'main',
  'runCharm',
  'runHookTool',
  'configGet',
  'statusSet',
  'contextFromEnv',
  'parseCharmConfig',
  'converge',
  'configure',
  'collectStatus',
  'mainPid',
  'find',
  'findProcesses',
  'readProcess',
  'mapsPath',
  'ensureFileContents',
  'load',
  'createWorkload',
];

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
    if (INCLUSIVE_OF.includes(name) && n.callFrame.url.includes('/dist/') && !inside.has(name)) {
      inclusive.set(name, (inclusive.get(name) ?? 0) + total(id) / 1000);
      next = new Set([...inside, name]);
    }
    for (const c of n.children ?? []) walk(c, next);
  };
  const rootNode = profile.nodes[0];
  if (rootNode) walk(rootNode.id, new Set());
  return { totalMs: (profile.endTime - profile.startTime) / 1000, buckets, functions, inclusive };
}

/** Profiles `runs` runs of each hook; returns the markdown sections. */
export async function profileHooks(ctx: ProfileContext, hooks: readonly string[], runs: number): Promise<string> {
  const dir = copyCharm(ctx.charmDir, 'tpbench-prof-');
  await buildShipped(await loadBuild(ctx.root), dir, { options: { minify: false }, execaOptions: { minify: false } });
  patchDispatch(dir, EXEC_LINE, 'exec "$node" --cpu-prof --cpu-prof-dir="$BENCH_PROF_DIR" --cpu-prof-interval 100 "$charm_dir/dist/charm.cjs"');
  const unit = await ctx.simUnit(dir);
  const profDir = tempDir('tpbench-cpuprof-');
  const modules = moduleMap(join(dir, 'dist'));
  const warm = { BENCH_PROF_DIR: join(profDir, 'warm') };
  await ctx.timedHook(unit, 'config-changed', ctx.wrap, warm);
  const sections: string[] = [];
  for (const hook of hooks) {
    const out = join(profDir, hook);
    mkdirSync(out, { recursive: true });
    for (let i = 0; i < 2; i++) await ctx.timedHook(unit, hook, ctx.wrap, warm);
    const walls: number[] = [];
    for (let i = 0; i < runs; i++) {
      const s = await ctx.timedHook(unit, hook, ctx.wrap, { BENCH_PROF_DIR: out });
      if (s.exitCode !== 0) throw new Error(`bench: profiled ${hook} exited ${s.exitCode}: ${s.stderr}`);
      walls.push(s.ms);
    }
    const summaries = readdirSync(out).map((f) => summarize(JSON.parse(readFileSync(join(out, f), 'utf8')) as CpuProfile, modules));
    const n = summaries.length;
    const avg = (get: (s: ProfileSummary) => Map<string, number>): Array<[string, number]> => {
      const sum = new Map<string, number>();
      for (const s of summaries) for (const [k, v] of get(s)) sum.set(k, (sum.get(k) ?? 0) + v / n);
      return [...sum.entries()].sort((a, b) => b[1] - a[1]);
    };
    const top = (entries: Array<[string, number]>, count: number): string[][] => [
      ...entries.slice(0, count).map(([k, v]) => [k, v.toFixed(2)]),
      ...(entries.length > count
        ? [
            [
              `${entries.length - count} others`,
              entries
                .slice(count)
                .reduce((a, [, v]) => a + v, 0)
                .toFixed(2),
            ],
          ]
        : []),
    ];
    const profiled = summaries.reduce((s, x) => s + x.totalMs, 0) / n;
    sections.push(
      [
        `#### ${hook} (${n} profiles, unminified bundle, 100 µs sampling)`,
        '',
        `Wall time of the profiled hook: median ${ms(median(walls))} ms; profiled part (from the profiler's start, after Node's own bootstrap, to exit): mean ${ms(profiled)} ms.`,
        '',
        'Self time by where the code comes from (mean ms per hook):',
        '',
        table(
          ['bucket', 'ms'],
          top(
            avg((s) => s.buckets),
            16,
          ),
        ),
        '',
        'Inclusive time of charm functions (mean ms per hook; waits on child processes count, waits on sockets in the event loop do not):',
        '',
        table(
          ['function', 'ms'],
          avg((s) => s.inclusive).map(([k, v]) => [`\`${k}\``, v.toFixed(2)]),
        ),
        '',
        'Top self time by function:',
        '',
        table(
          ['function [bucket]', 'ms'],
          avg((s) => s.functions)
            .slice(0, 12)
            .map(([k, v]) => [k.replace(/\|/g, '\\|'), v.toFixed(2)]),
        ),
      ].join('\n'),
    );
  }
  return sections.join('\n\n');
}
