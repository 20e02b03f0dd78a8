// Hook-speed bench (`npm run bench:host`, issue 5): packs the charm, drives the unpacked charm's
// dispatch with the juju-sim harness inside the tpbench network namespaces, interleaved with a
// floor charm (`exec node -e 0`) run the same way, and prints and writes bench/results.md.
// Run with tsx (`npm run bench:host`): Node 20 cannot run TypeScript itself.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { StatusInfo } from '../testkit/juju-sim.ts';
import { runCommand } from '../testkit/process.ts';
import {
  acquireHostLock,
  checkQuietHost,
  cleanUpOnSignals,
  cleanupAll,
  copyCharm,
  ensurePrerequisites,
  fileSizes,
  isPackageInstalled,
  network,
  type Poller,
  pack,
  processesNamed,
  type Sample,
  shellCharm,
  simUnit,
  snapshot,
  startPoller,
  timedHook,
  unpack,
} from './rig.ts';
import { delta, kib, max, median, mib, min, ms, range, ratio, table } from './stats.ts';
import { buildTrusted } from './trusted.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(ROOT, 'bench', 'results.md');
const CHARM_LIMIT = 128 * 1024;
const SLUGS = ['bench-a', 'bench-b'] as const;
const TRUSTED_ROW = 'update-status (running), serving check trusted: not shipped';

const ACTIVE: StatusInfo = { status: 'active', message: '' };
const WAITING_START: StatusInfo = { status: 'maintenance', message: 'Waiting for tinyproxy to start' };

interface Options {
  runs: number;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { runs: 20 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--runs') options.runs = Number(argv[++i]);
    else if (arg?.startsWith('--runs=')) options.runs = Number(arg.slice('--runs='.length));
    else throw new Error(`unknown argument ${arg}; use --runs N (>= 15)`);
  }
  if (!Number.isInteger(options.runs) || options.runs < 15) throw new Error('--runs must be an integer >= 15');
  return options;
}

/** One table row: the hook's samples and the floor samples run just before each of them. */
interface Row {
  name: string;
  samples: Sample[];
  floors: Sample[];
}

const same = (a: StatusInfo, b: StatusInfo): boolean => a.status === b.status && a.message === b.message;

/** The machine, for the record. */
async function machine(): Promise<string> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown CPU';
  const processes = (await runCommand(['sh', '-c', 'ls /proc | grep -c "^[0-9]"'])).stdout.trim();
  return `${model}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; Linux ${release()}; Node ${process.version}; ${processes} processes on the host`;
}

const loadAverage = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ')[0] ?? '?';

async function gitRevision(): Promise<string> {
  const head = (await runCommand(['git', 'rev-parse', '--short', 'HEAD'], { cwd: ROOT })).stdout.trim() || 'unknown';
  const dirty = (await runCommand(['git', 'status', '--porcelain', '--', 'src', 'dispatch', 'build.mjs', 'build'], { cwd: ROOT })).stdout.trim();
  return dirty ? `${head} + uncommitted changes in src/ or the build` : head;
}

/** The whole bench, cleanup included; the process's exit code. */
async function main(argv: readonly string[]): Promise<number> {
  let code = 2;
  cleanUpOnSignals();
  try {
    code = await bench(parseOptions(argv));
  } catch (error) {
    console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  } finally {
    const problems = await cleanupAll();
    for (const p of problems) console.error(`bench: cleanup: ${p}`);
    if (problems.length > 0) code = Math.max(code, 2);
  }
  return code;
}

async function bench(options: Options): Promise<number> {
  const { runs } = options;
  const started = new Date();
  const loadStart = loadAverage();
  await ensurePrerequisites();
  await acquireHostLock();
  const warnings = await checkQuietHost();
  for (const w of warnings) console.warn(`bench: warning: ${w}`);
  await snapshot();

  console.log('bench: npm run pack');
  const charmFile = await pack(ROOT);
  const charmBytes = statSync(charmFile).size;
  const distSizes = fileSizes(join(ROOT, 'dist'));
  const charmDir = await unpack(charmFile);
  const floorDir = shellCharm('exec node -e 0');
  const probeDir = shellCharm(`exec node -p 'JSON.stringify(process.env)'`);

  const net = await network();
  const wrap = net.wrap;
  const poller = await startPoller(ROOT, net);
  const charm = await simUnit(charmDir);
  const floor = await simUnit(floorDir);
  const probe = await simUnit(probeDir);
  const anomalies: string[] = [];

  // The hooks and the floor get only the harness's Juju-like environment: no NODE_EXTRA_CA_CERTS.
  const seen = JSON.parse((await timedHook(probe, 'update-status', wrap)).stdout) as Record<string, string>;
  const nodeVars = Object.keys(seen).filter((k) => k.startsWith('NODE_'));
  if (nodeVars.length > 0) throw new Error(`the hook environment has ${nodeVars.join(', ')}: the floor and the hooks would not be comparable`);
  const envNote =
    `verified: a probe charm run the same way sees ${Object.keys(seen).length} variables, none NODE_* ` + `(the bench itself has NODE_EXTRA_CA_CERTS=${process.env.NODE_EXTRA_CA_CERTS ?? '(unset)'})`;
  console.log(`bench: environment ${envNote}`);

  const expectHook = (what: string, s: Sample, status: StatusInfo): void => {
    if (s.exitCode !== 0) anomalies.push(`${what} exited ${s.exitCode}: ${s.stderr.trim()}`);
    else if (!same(s.status, status)) anomalies.push(`${what} left status ${JSON.stringify(s.status)}, expected ${JSON.stringify(status)}`);
  };
  const expectServed = async (what: string, poll: Poller, slug: string): Promise<void> => {
    const r = await poll.get(`/${slug}/`);
    if (!r.ok) anomalies.push(`${what}: GET /${slug}/ gave ${r.error ?? r.status} right after the hook exited`);
  };

  // Set-up (not timed): install (in the root namespace if apt must download), then start.
  const installed = await isPackageInstalled('tinyproxy-bin');
  console.log(`bench: install hook (${installed ? 'tinyproxy-bin already installed' : 'installs tinyproxy-bin with apt, root namespace'})`);
  const first = await charm.runHook('install', { wrap: installed ? wrap : [], timeoutMs: 600_000 });
  if (first.exitCode !== 0) throw new Error(`install failed: ${first.stderr}`);
  const startHook = await timedHook(charm, 'config-changed', wrap);
  expectHook('first config-changed', startHook, ACTIVE);
  const sanity = await net.curl('/example/');
  if (sanity.code !== 200) throw new Error(`tinyproxy does not serve /example/ after the first config-changed (curl: ${sanity.code} ${sanity.stderr})`);

  // The same charm with the serving check trusted instead of made (a running tinyproxy counts as
  // serving): its update-status beside the real one is the price of the honest check.
  const trustedDir = copyCharm(charmDir, 'tpbench-trusted-');
  await buildTrusted(trustedDir, charmDir);
  const trusted = await simUnit(trustedDir);
  expectHook('trusted-check config-changed', await timedHook(trusted, 'config-changed', wrap), ACTIVE);

  // Warm the page cache and the CPU a little before timing.
  for (let i = 0; i < 3; i++) {
    await timedHook(floor, 'update-status', wrap);
    await timedHook(charm, 'update-status', wrap);
    await timedHook(trusted, 'update-status', wrap);
    await timedHook(charm, 'config-changed', wrap);
  }

  const rows = new Map<string, Row>();
  const pair = async (name: string, hook: () => Promise<Sample>): Promise<Sample> => {
    const row = rows.get(name) ?? { name, samples: [], floors: [] };
    rows.set(name, row);
    row.floors.push(await timedHook(floor, 'update-status', wrap));
    const s = await hook();
    row.samples.push(s);
    return s;
  };

  console.log(`bench: ${runs} rounds of floor + hook for 7 hooks`);
  let slug = 'example';
  for (let i = 0; i < runs; i++) {
    expectHook('update-status', await pair('update-status (running)', () => timedHook(charm, 'update-status', wrap)), ACTIVE);
    trusted.setConfig({ slug });
    expectHook('update-status (check trusted)', await pair(TRUSTED_ROW, () => timedHook(trusted, 'update-status', wrap)), ACTIVE);
    expectHook('config-changed', await pair('config-changed (no change)', () => timedHook(charm, 'config-changed', wrap)), ACTIVE);
    slug = SLUGS[i % 2] as string;
    charm.setConfig({ slug });
    expectHook('config-changed slug', await pair('config-changed (slug change: reload)', () => timedHook(charm, 'config-changed', wrap)), ACTIVE);
    await expectServed(`config-changed slug=${slug}`, poller, slug);
    expectHook('install', await pair('install (already installed)', () => timedHook(charm, 'install', wrap)), ACTIVE);
    expectHook('stop', await pair('stop (until exited)', () => timedHook(charm, 'stop', wrap)), WAITING_START);
    const left = processesNamed('tinyproxy');
    if (left.length > 0) anomalies.push(`stop: tinyproxy still running (pids ${left.join(', ')}) right after the hook exited`);
    expectHook('start', await pair('start (from stopped, until listening)', () => timedHook(charm, 'start', wrap)), ACTIVE);
    await expectServed('start', poller, slug);
    process.stdout.write('.');
  }
  process.stdout.write('\n');

  // Reload to serving, with a client loop on both paths during the hook.
  console.log(`bench: ${runs} reloads with the client loop running`);
  const reloads: Array<{ hookMs: number; servingMs: number; servedByExit: boolean; checkedAfterExit: boolean; requests: number; failures: string[]; regressions: number }> = [];
  for (let i = 0; i < runs; i++) {
    const next = slug === SLUGS[0] ? SLUGS[1] : SLUGS[0];
    charm.setConfig({ slug: next });
    await poller.request({ cmd: 'watch', old: `/${slug}/`, new: `/${next}/` });
    await sleep(20);
    const s = await timedHook(charm, 'config-changed', wrap);
    const check = await poller.get(`/${next}/`);
    await sleep(20);
    const summary = (await poller.request({ cmd: 'stop' })) as { requests: number; failures: Array<{ path: string; what: string }>; newRegressions: number; firstNew200: string | null };
    expectHook(`reload to ${next}`, s, ACTIVE);
    const firstOk = summary.firstNew200 === null ? undefined : BigInt(summary.firstNew200);
    reloads.push({
      hookMs: s.ms,
      servingMs: firstOk === undefined ? Number.NaN : Number(firstOk - s.t0) / 1e6,
      servedByExit: firstOk !== undefined && firstOk <= s.t1,
      checkedAfterExit: check.ok === true,
      requests: summary.requests,
      failures: summary.failures.map((f) => `${f.path} ${f.what}`),
      regressions: summary.newRegressions,
    });
    slug = next;
  }

  // The table.
  const allFloors = [...rows.values()].flatMap((r) => r.floors);
  const floorMedian = median(allFloors.map((s) => s.ms));
  const lines: string[][] = [
    [
      'floor: `exec node -e 0`',
      String(allFloors.length),
      ms(min(allFloors.map((s) => s.ms))),
      ms(floorMedian),
      ms(max(allFloors.map((s) => s.ms))),
      ms(floorMedian),
      '1.00x',
      '0',
      '0',
      mib(median(allFloors.map((s) => s.rssKiB))),
    ],
  ];
  const rowStats = new Map<string, { median: number; floor: number; calls: number[] }>();
  for (const row of rows.values()) {
    const t = row.samples.map((s) => s.ms);
    const f = median(row.floors.map((s) => s.ms));
    const calls = row.samples.map((s) => s.calls.length);
    rowStats.set(row.name, { median: median(t), floor: f, calls });
    lines.push([row.name, String(t.length), ms(min(t)), ms(median(t)), ms(max(t)), ms(f), ratio(median(t) / f), delta(median(t) - f), range(calls), mib(median(row.samples.map((s) => s.rssKiB)))]);
  }
  const mainTable = table(['hook', 'runs', 'min ms', 'median ms', 'max ms', 'floor median ms (interleaved)', 'median / floor', 'median - floor ms', 'hook-tool calls', 'peak RSS MiB (median)'], lines);
  const toolsOf = [...rows.values()].map((row) => `- ${row.name}: ${[...new Set(row.samples.map((s) => s.calls.map((c) => c.tool).join(', ') || '(none)'))].join(' | ')}`).join('\n');

  const serving = reloads.map((r) => r.servingMs);
  const failed = reloads.flatMap((r) => r.failures);
  const requests = reloads.reduce((n, r) => n + r.requests, 0);
  const reloadTable = table(
    ['reload (config-changed, slug change)', 'runs', 'min ms', 'median ms', 'max ms'],
    [
      ['hook wall time, client loop running', String(reloads.length), ms(min(reloads.map((r) => r.hookMs))), ms(median(reloads.map((r) => r.hookMs))), ms(max(reloads.map((r) => r.hookMs)))],
      ['hook start to first 200 on the new path', String(serving.length), ms(min(serving)), ms(median(serving)), ms(max(serving))],
    ],
  );
  const reloadFacts = [
    `- new path answered 200 before the hook exited: ${reloads.filter((r) => r.servedByExit).length}/${reloads.length}; ` +
      `one GET right after the hook exited answered 200: ${reloads.filter((r) => r.checkedAfterExit).length}/${reloads.length}`,
    `- client requests during the reloads: ${requests}, failed (no response, or a status other than 200 from the upstream / 400 unmapped): ${failed.length}` +
      (failed.length > 0 ? ` (${[...new Set(failed)].slice(0, 5).join('; ')})` : ''),
    `- the new path went back from 200 to something else after first serving: ${reloads.reduce((n, r) => n + r.regressions, 0)} times`,
  ].join('\n');

  const sizeTable = table(
    ['file', 'bytes', 'KiB'],
    [
      ...distSizes.map((f) => [`dist/${f.file}`, String(f.bytes), kib(f.bytes)]),
      ['dist/ total', String(distSizes.reduce((n, f) => n + f.bytes, 0)), kib(distSizes.reduce((n, f) => n + f.bytes, 0))],
      ['tinyproxy_amd64.charm', String(charmBytes), kib(charmBytes)],
    ],
  );

  const stat = (name: string) => rowStats.get(name) ?? { median: Number.NaN, floor: Number.NaN, calls: [Number.NaN] };
  const us = stat('update-status (running)');
  const cc = stat('config-changed (no change)');
  const start = stat('start (from stopped, until listening)');
  const stop = stat('stop (until exited)');
  const targets: Array<[string, string, boolean]> = [
    ['update-status median <= 1.8x floor', ratio(us.median / us.floor), us.median / us.floor <= 1.8],
    ['config-changed (no change) median <= 1.8x floor', ratio(cc.median / cc.floor), cc.median / cc.floor <= 1.8],
    ['update-status <= 2 hook-tool calls', range(us.calls), max(us.calls) <= 2],
    ['config-changed (no change) <= 2 hook-tool calls', range(cc.calls), max(cc.calls) <= 2],
    ['start to listening <= floor + 300 ms', `floor ${delta(start.median - start.floor)} ms`, start.median - start.floor <= 300],
    ['stop to exited <= floor + 200 ms', `floor ${delta(stop.median - stop.floor)} ms`, stop.median - stop.floor <= 200],
    ['new slug serves when the reload hook exits', `${reloads.filter((r) => r.checkedAfterExit).length}/${reloads.length}`, reloads.every((r) => r.checkedAfterExit)],
    ['tinyproxy_amd64.charm <= 128 KiB', `${kib(charmBytes)} KiB`, charmBytes <= CHARM_LIMIT],
  ];
  const targetTable = table(
    ['target', 'measured', 'met'],
    targets.map(([t, m, ok]) => [t, m, ok ? 'yes' : '**NO**']),
  );
  const trust = stat(TRUSTED_ROW);
  const checkCost =
    `The honest serving check (every hook: the listening sockets on the port held by our tinyproxy, its process ` +
    `state, and a \`GET /<slug>\` it must answer with its own 301) costs ${delta(us.median - trust.median)} ms a hook: update-status ` +
    `median ${ms(us.median)} ms against ${ms(trust.median)} ms for the same bundle built by bench/trusted.ts with the check trusted (a running ` +
    `tinyproxy counts as serving; \`${TRUSTED_ROW}\`), measured side by side in the same rounds.`;

  const header = [
    '# Hook speed',
    '',
    `Written by \`npm run bench:host\` (bench/bench.ts), ${started.toISOString()}, ${runs} runs a row; source ${await gitRevision()}.`,
    '',
    `Machine: ${await machine()}; load average (1 min) ${loadStart} at the start, ${loadAverage()} at the end.`,
    '',
    'How: `npm run pack`, unzip the .charm, run its `dispatch` with the juju-sim harness (testkit/juju-sim.ts: ' +
      'clean Juju-like environment, cwd = charm dir, sh hook tools from testkit/juju-sim/bin) as ' +
      '`ip netns exec tpbench-srv /usr/bin/time -f %M -o <file> <charm>/dispatch`. Wall time is from spawning that command ' +
      'to its exit. The floor is a charm whose dispatch is `exec node -e 0`, run exactly the same way, once before every ' +
      'hook run (floor, hook, floor, hook, ...; the rows are also interleaved round by round). Ratios and differences use ' +
      "the floor runs interleaved with that row. Peak RSS is GNU time's %M: ru_maxrss of dispatch and its waited-for " +
      'children, i.e. the largest single process of the hook (node), not a sum. Hook-tool calls are counted from the ' +
      `simulator's call records. Environment: ${envNote}.`,
  ].join('\n');
  const report = [
    header,
    '',
    '## Hooks',
    '',
    mainTable,
    '',
    'Hook tools called:',
    '',
    toolsOf,
    '',
    checkCost,
    '',
    '## Reload to serving',
    '',
    'A client in tpbench-cli (bench/poller.mjs: one node process, a new connection per request, no curl forks) GETs ' +
      'the old and the new path back to back while the slug-changing config-changed runs; times are CLOCK_MONOTONIC in ' +
      'both processes.',
    '',
    reloadTable,
    '',
    reloadFacts,
    '',
    '## Sizes',
    '',
    sizeTable,
    '',
    '## Targets',
    '',
    targetTable,
    ...(anomalies.length > 0 ? ['', '## Anomalies', '', ...anomalies.map((a) => `- ${a}`)] : []),
    ...(warnings.length > 0 ? ['', '## Warnings', '', ...warnings.map((w) => `- ${w}`)] : []),
  ].join('\n');

  writeFileSync(RESULTS, `${report}\n`);
  console.log(`\n${report}\n`);
  console.log(`bench: wrote ${RESULTS}`);

  const missed = targets.filter(([, , ok]) => !ok).map(([t]) => t);
  if (anomalies.length > 0) console.error(`bench: ${anomalies.length} anomalies (see above)`);
  if (missed.length > 0) console.error(`bench: targets missed: ${missed.join('; ')}`);
  return missed.length > 0 || anomalies.length > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
