// `npm run bench -- --investigate`: runs the bundle variants (bench/variants.ts) with the same
// harness, namespaces and wrapper as the hook table, round-robin with the floor, then profiles
// the shipped charm (bench/profile.ts) and zod/mini alone (bench/zod-micro.ts), and writes the
// decisions, the open options and the figures as markdown.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import type { SimUnit } from '../testkit/juju-sim.ts';
import { profileHooks } from './profile.ts';
import { fileSizes, type Sample, tempDir } from './rig.ts';
import { type Difference, delta, isClear, kib, median, medianDifference, mib, ms, ratio, table, withInterval } from './stats.ts';
import { buildVariants, HOOKS, type Hook, NODE_FLAGS, type Variant } from './variants.ts';
import { zodMicro } from './zod-micro.ts';

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

const HOOK_LABEL: Record<Hook, string> = {
  'update-status': 'update-status',
  'config-changed': 'config-changed (no change)',
  install: 'install (installed; runs `tinyproxy -v`)',
};
const COLD_RUNS = 8;

const distBytes = (dir: string): { raw: number; deflated: number } => {
  if (!existsSync(join(dir, 'dist'))) return { raw: 0, deflated: 0 };
  let raw = 0;
  let deflated = 0;
  for (const f of fileSizes(join(dir, 'dist'))) {
    if (f.file.endsWith('.v8cache')) continue;
    const data = readFileSync(join(dir, 'dist', f.file));
    raw += data.length;
    deflated += deflateRawSync(data, { level: 9 }).length;
  }
  return { raw, deflated };
};

/** A seeded shuffle, so that no variant always runs right after the same one. */
function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed + 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = (s >>> 8) % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Warm-up, then `runs` rounds over every (hook, variant) in shuffled order, each run after a floor run. */
async function measure(ctx: InvestigateContext, variants: Variant[], skipped: string[]) {
  const { runs, wrap, floor } = ctx;
  const units = new Map<string, SimUnit>();
  for (const v of variants) units.set(v.key, await ctx.simUnit(v.dir));
  const unit = (v: Variant): SimUnit => units.get(v.key) as SimUnit;

  // The first config-changed of each copy rewrites the config (reload) and records shouldRun;
  // the code-cache variants write their cache.
  for (const v of [...variants]) {
    for (const hook of ['config-changed', 'config-changed', 'update-status', 'install']) {
      const s = await ctx.timedHook(unit(v), hook, wrap);
      if (s.exitCode !== 0) {
        skipped.push(`\`${v.key}\`: ${hook} exited ${s.exitCode}: ${s.stderr.trim().split('\n').slice(-2).join(' | ')}`);
        variants.splice(variants.indexOf(v), 1);
        break;
      }
    }
  }
  const cacheStates: string[] = [];
  for (const v of variants.filter((x) => existsSync(join(x.dir, 'dist', 'boot.cjs')))) {
    const report = join(tempDir('tpbench-cachecheck-'), 'report');
    await ctx.timedHook(unit(v), 'update-status', wrap, { BENCH_CACHE_REPORT: report });
    cacheStates.push(`\`${v.key}\`: ${existsSync(report) ? readFileSync(report, 'utf8') : 'no report'}`);
  }

  const cells = HOOKS.flatMap((hook) => variants.filter((v) => v.hooks.includes(hook)).map((v) => ({ hook, v })));
  console.log(`bench: ${runs} rounds over ${cells.length} (variant, hook) cells`);
  const samples = new Map<string, Sample[]>();
  const floors: Sample[] = [];
  const cold: Sample[] = [];
  const cacheVariant = variants.find((v) => v.key === 'code-cache');
  const cacheFile = cacheVariant ? join(cacheVariant.dir, 'dist', 'charm.cjs.v8cache') : '';
  for (let i = 0; i < runs; i++) {
    for (const { hook, v } of shuffled(cells, i)) {
      floors.push(await ctx.timedHook(floor, 'update-status', wrap));
      const s = await ctx.timedHook(unit(v), hook, wrap);
      if (s.exitCode !== 0) throw new Error(`bench: variant ${v.key} ${hook} exited ${s.exitCode}: ${s.stderr}`);
      if (v.group !== 'piece' && s.status.status !== 'active') throw new Error(`bench: variant ${v.key} ${hook} left status ${JSON.stringify(s.status)}`);
      const key = `${v.key} ${hook}`;
      samples.set(key, [...(samples.get(key) ?? []), s]);
    }
    if (cacheVariant && i < COLD_RUNS) {
      // The first hook after a deploy or an upgrade: no cache yet; it writes one.
      rmSync(cacheFile, { force: true });
      floors.push(await ctx.timedHook(floor, 'update-status', wrap));
      cold.push(await ctx.timedHook(unit(cacheVariant), 'update-status', wrap));
    }
    process.stdout.write('.');
  }
  process.stdout.write('\n');
  const cacheBytes = existsSync(cacheFile) ? readFileSync(cacheFile).length : 0;
  return { samples, floors, cold, cacheStates, cacheBytes };
}

/**
 * Whether Node's own code cache (its built-in modules, compiled at build time) is accepted with
 * these flags: V8 rejects a code cache made under other flag values, and node then compiles
 * every internal module it loads from source.
 */
function builtinCodeCache(flags: readonly string[]): string {
  const r = spawnSync(process.execPath, [...flags, '-e', '0'], { env: { PATH: '/usr/bin:/bin', NODE_DEBUG_NATIVE: 'CODE_CACHE' }, encoding: 'utf8' });
  const rejected = (r.stderr.match(/ is rejected/g) ?? []).length;
  const accepted = (r.stderr.match(/ is accepted/g) ?? []).length;
  return rejected + accepted === 0 ? 'unknown' : rejected > 0 ? `rejected (${rejected} of ${rejected + accepted} caches used by \`node -e 0\`)` : 'accepted';
}

export async function investigate(ctx: InvestigateContext): Promise<string> {
  console.log('bench: building bundle variants');
  const { variants, skipped } = await buildVariants(ctx.root, ctx.charmDir);
  const { samples, floors, cold, cacheStates, cacheBytes } = await measure(ctx, variants, skipped);
  console.log('bench: CPU profiles');
  const profiles = await profileHooks(ctx, ['update-status', 'config-changed', 'install'], Math.min(ctx.runs, 10));
  console.log('bench: zod/mini micro-benchmark');
  const micro = await zodMicro(ctx.root, ctx.runs);

  const has = (key: string): boolean => variants.some((v) => v.key === key);
  const variant = (key: string): Variant | undefined => variants.find((v) => v.key === key);
  const times = (key: string, hook: Hook): number[] => (samples.get(`${key} ${hook}`) ?? []).map((s) => s.ms);
  const med = (key: string, hook: Hook): number => median(times(key, hook));
  const diff = (key: string, hook: Hook, base = variant(key)?.base ?? 'shipped'): Difference => medianDifference(times(key, hook), times(base, hook));
  /** "update-status +3.1 [+2.0, +4.2] ms, ..." over the hooks the variant ran. */
  const figures = (key: string, base?: string): string =>
    variant(key)
      ?.hooks.map((h) => `${h} ${withInterval(diff(key, h, base))} ms`)
      .join(', ') ?? '(not measured: see "Not measured")';
  const floorMedian = median(floors.map((s) => s.ms));
  const size = (key: string): { raw: number; deflated: number } => distBytes(variant(key)?.dir ?? '');
  const processes = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).length;
  const systemd = existsSync('/run/systemd/system');
  const coldMs = median(cold.map((s) => s.ms));

  // Verdicts: a change counts only if the 95% interval of its difference leaves out 0.
  const gainOn = (key: string, hook: Hook, base?: string): Difference => diff(key, hook, base);
  const clearGain = (key: string, hook: Hook, base?: string): boolean => {
    const d = gainOn(key, hook, base);
    return isClear(d) && d.diff < 0;
  };
  /** Appended to a decision's figures when no hook shows a clear difference. */
  const noise = (key: string): string => (!has(key) || variant(key)?.hooks.some((h) => isClear(diff(key, h))) ? '' : ' Every interval includes 0: no measurable effect on this host.');
  const flagKeys = NODE_FLAGS.map(([key]) => key).filter(has);
  const flagOf = (key: string): string => NODE_FLAGS.find(([k]) => k === key)?.[1] ?? key;
  const builtinCache = new Map(flagKeys.map((k) => [k, builtinCodeCache(flagOf(k).split(' '))]));
  const costlyFlags = flagKeys.filter((k) => builtinCache.get(k)?.startsWith('rejected'));
  const costlyDiffs = costlyFlags.map((k) => diff(k, 'update-status').diff);
  const costlyRange = `${delta(Math.min(...costlyDiffs))} to ${delta(Math.max(...costlyDiffs))} ms on update-status`;
  const shippedImports = readFileSync(join(ctx.charmDir, 'dist', 'charm.cjs'), 'utf8').includes('import(');
  const helpfulFlags = flagKeys.filter((k) => clearGain(k, 'update-status') && clearGain(k, 'config-changed'));
  const cacheGain = gainOn('code-cache', 'update-status');
  const cacheWorth = isClear(cacheGain) && cacheGain.diff <= -3;

  const decisions = [
    `- **CommonJS in two builds** (dist/charm.cjs, execa in dist/lib/execa.cjs on first use) rather than ESM with splitting (\`esm-split\`, the previous format): ` +
      `ESM would cost ${figures('esm-split')}.` +
      (shippedImports
        ? ' Install is the exception: the shipped charm loads lib/execa.cjs with `import()`, which starts the ESM loader on a CommonJS file (see `require-execa` under "Still open").'
        : ''),
    `- **execa only in its own file, loaded on first use**: one CJS file with execa inside (\`execa-inline\`) would cost ${figures('execa-inline')}. ` +
      `A hook that loads and runs execa (install: \`tinyproxy -v\`, one more hook tool) takes ${delta(med('shipped', 'install') - med('shipped', 'update-status'))} ms more than update-status.`,
    `- **Find tinyproxy from its pid file** (verified in /proc: alive, comm tinyproxy, \`-c <config>\`), scan /proc only when that fails, and read in full only ` +
      `processes named tinyproxy (/proc/<pid>/stat first). With ${processes} processes on this host, ignoring the pid file (\`scan-by-name\`) would cost ` +
      `${figures('scan-by-name')}; the look-up before that change (\`scan-all\`: stat, status and cmdline of every process) ${figures('scan-all')}. A scan grows with the ` +
      `machine's process count; the pid-file check does not. ${systemd ? "The systemd-mode look-up (the unit's cgroup.procs) is the one exercised here." : "The systemd-mode look-up (the unit's cgroup.procs, then the same filtered scan) is not exercised: PID 1 is not systemd on this host, so the charm runs the direct daemon."}`,
    `- **isRunning asked once per hook** (memoised until a verb changes tinyproxy): asking every time (\`no-memo\`) would cost ${figures('no-memo')}.${noise('no-memo')}` +
      (noise('no-memo') ? ' With the pid-file look-up a repeated check is a few file reads; the memo is free and harmless.' : ''),
    `- **zod/mini kept** for the JUJU_* environment and the config: a hand-written stand-in (\`no-zod\`) would change ${figures('no-zod')}, and save ` +
      `${kib(size('shipped').raw - size('no-zod').raw)} KiB of bundle (${kib(size('shipped').raw)} vs ${kib(size('no-zod').raw)} KiB). zod/mini alone: see "zod/mini at start-up".`,
    `- **dispatch remembers the verified runtime** (.runtime/node): checking it every hook (\`no-remember\`: \`command -v\`, \`node --version\`, \`ln\`) would cost ${figures('no-remember')}.`,
    `- **dispatch unsets NODE_EXTRA_CA_CERTS**: a hook that inherits it set to the system bundle (\`ca-certs\`) costs ${figures('ca-certs')}.`,
    `- **Raw HTTP over node:net for the serving probe**: node:http instead (\`http-probe\`) would cost ${figures('http-probe')}. ` +
      `The probe itself (it catches a tinyproxy serving a stale config, in every converging hook) costs what \`no-probe\` saves: ${figures('no-probe')}.${noise('no-probe')}`,
    `- **No V8 code cache**: on top of the require()-loaded build (\`code-cache\` vs \`require-execa\`; vm.Script has no \`import()\` on Node 18/20) a cache of charm.cjs brings ${figures('code-cache')}; ` +
      `on top of the smallest bundle (\`no-execa-no-zod-cache\` vs \`no-execa-no-zod\`) ${figures('no-execa-no-zod-cache')}. The cache is ${kib(cacheBytes)} KiB, ` +
      `written by the first hook after a deploy or upgrade, which then takes ${ms(coldMs)} ms (${delta(coldMs - med('code-cache', 'update-status'))} ms over a cached update-status). ` +
      (cacheWorth
        ? 'Verdict: a clear gain of 3 ms or more on update-status; worth weighing against a loader, a writable dist/ and a cache to invalidate on a Node upgrade.'
        : 'Verdict: under 3 ms on update-status (or not clear); not worth a loader, a writable dist/ and a cache that a Node upgrade invalidates.'),
    `- **No Node flags in dispatch**: ${flagKeys.map((k) => `\`${flagOf(k)}\` ${figures(k)}`).join('; ')}. ` +
      (costlyFlags.length > 0
        ? `Every V8 flag that changes V8's flag hash (${costlyFlags.map((k) => `\`${flagOf(k)}\``).join(', ')}) makes V8 reject the code cache node ships for its own modules ` +
          `(checked with \`NODE_DEBUG_NATIVE=CODE_CACHE node <flag> -e 0\`), so node compiles them from source: that is the ${costlyRange}. `
        : '') +
      (helpfulFlags.length > 0
        ? `Verdict: ${helpfulFlags.map((k) => `\`${flagOf(k)}\``).join(', ')} cut both hooks clearly (see the flags table for memory).`
        : 'Verdict: none cuts update-status or config-changed measurably; none is worth a line in dispatch.'),
  ];

  const OPEN: Array<[string, string]> = [
    [
      'require-execa',
      "build.mjs: `supported: { 'dynamic-import': false }` on the charm build, so `import('./lib/execa.cjs')` becomes `Promise.resolve().then(() => require(...))` and the hooks that run a workload command (install every time for `tinyproxy -v`, remove, and on systemd machines every start, stop and reload through systemctl) do not start the ESM loader and cjs-module-lexer (see the install profile). One line, no source change.",
    ],
    ['no-execa', 'src/workload/exec.ts: a 25-line runCommand over node:child_process `spawn` (same CommandError, interleaved output) instead of execa: lib/execa.cjs (114 KiB) goes.'],
    ['no-zod', 'src/juju/context.ts, src/charm/config.ts: validate the 5 JUJU_* variables and the 3 options by hand (~40 lines, the same messages).'],
    ['require-execa-no-zod', 'require-execa and no-zod: the change that keeps execa.'],
    ['no-execa-no-zod', `no-execa and no-zod: one CommonJS file of ${kib(size('no-execa-no-zod').raw)} KiB, no runtime dependency.`],
    ['code-cache', 'a V8 code cache (see the decisions).'],
  ];
  const open = OPEN.filter(([key]) => has(key))
    .sort((a, b) => gainOn(a[0], 'update-status').diff - gainOn(b[0], 'update-status').diff)
    .map(([key, text], i) => `${i + 1}. \`${key}\` (vs \`${variant(key)?.base}\`): ${figures(key)}. ${text}`);

  const cell = (key: string, hook: Hook): string => {
    const v = variant(key);
    if (!v?.hooks.includes(hook)) return '-';
    return key === v.base || key === 'shipped' ? ms(med(key, hook)) : `${ms(med(key, hook))} (${delta(diff(key, hook).diff)})`;
  };
  const charmVariants = variants.filter((v) => v.group !== 'flags' && v.group !== 'piece');
  const variantTable = table(
    ['variant (vs)', ...HOOKS.map((h) => `${HOOK_LABEL[h]}: median ms (diff)`), 'update-status / floor', 'dist KiB raw / deflated'],
    charmVariants.map((v) => {
      const s = distBytes(v.dir);
      return [
        `\`${v.key}\` (${v.base === v.key ? '-' : v.base}): ${v.label}`,
        ...HOOKS.map((h) => cell(v.key, h)),
        ratio(med(v.key, 'update-status') / floorMedian),
        `${kib(s.raw)} / ${kib(s.deflated)}`,
      ];
    }),
  );
  const rss = (key: string, hook: Hook): string => mib(median((samples.get(`${key} ${hook}`) ?? []).map((s) => s.rssKiB)));
  const flagTable = table(
    ['dispatch runs node with', 'update-status: median ms, diff [95%]', 'config-changed: median ms, diff [95%]', 'peak RSS MiB (update-status)', "node's built-in code cache"],
    [
      ['(nothing: `shipped`)', ms(med('shipped', 'update-status')), ms(med('shipped', 'config-changed')), rss('shipped', 'update-status'), builtinCodeCache([])],
      ...flagKeys.map((k) => [
        `\`${flagOf(k)}\`: ${NODE_FLAGS.find(([key]) => key === k)?.[2]}`,
        `${ms(med(k, 'update-status'))}, ${withInterval(diff(k, 'update-status'))}`,
        `${ms(med(k, 'config-changed'))}, ${withInterval(diff(k, 'config-changed'))}`,
        rss(k, 'update-status'),
        builtinCache.get(k) ?? '-',
      ]),
    ],
  );
  const pieces = variants.filter((v) => v.group === 'piece');

  return [
    '## Decisions and their measured effect',
    '',
    'Each decision in place, against the variant that undoes it (`npm run bench -- --investigate`; medians of the real hooks, differences with ' +
      'a 95% bootstrap interval; a positive figure is what the decision saves):',
    '',
    ...decisions,
    '',
    '## Still open, ordered by gain on update-status',
    '',
    'Each measured on top of the current charm (negative: faster):',
    '',
    ...open,
    '',
    `## Investigations (${new Date().toISOString()}, ${ctx.runs} runs a cell)`,
    '',
    "Every variant is a copy of the unpacked charm whose dist/ is rebuilt from src/main.ts with build.mjs's own esbuild options " +
      '(imported from build.mjs; edits are applied at build time by bench plugins, src/ is untouched), run with the same harness, ' +
      'namespace and wrapper as the table above, in a shuffled order each round, each run right after a floor run ' +
      `(floor median here: ${ms(floorMedian)} ms over ${floors.length} runs). \`shipped\` is checked to equal the packed bundle byte for byte. ` +
      'Differences are medians against the variant in parentheses.',
    '',
    variantTable,
    '',
    ...(skipped.length > 0 ? ['Not measured:', '', ...skipped.map((k) => `- ${k}`), ''] : []),
    `- V8 code cache: ${kib(cacheBytes)} KiB beside charm.cjs. The hook that finds none and writes it: median ${ms(coldMs)} ms over ${cold.length} runs ` +
      `(update-status; ${ms(med('code-cache', 'update-status'))} ms with the cache). Cache state the loader saw after the warm-up: ${cacheStates.join(', ') || 'none'}.`,
    ...pieces.map(
      (v) =>
        `- \`${v.key}\`, ${v.label}: ${ms(med(v.key, 'update-status'))} ms (floor ${delta(med(v.key, 'update-status') - floorMedian)} ms); ` +
        `the charm's own work in update-status is then ${delta(med('shipped', 'update-status') - med(v.key, 'update-status'))} ms.`,
    ),
    '',
    '### Node flags in dispatch',
    '',
    flagTable,
    '',
    '### zod/mini at start-up',
    '',
    micro,
    '',
    '### CPU profiles of the shipped charm',
    '',
    profiles,
  ].join('\n');
}
