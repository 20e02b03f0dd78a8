// Build-time and dispatch edits for the bundle variants of `npm run bench -- --investigate`.
// The bench never writes to src/: each edit is an esbuild plugin that changes one source file
// as it is loaded, and fails loudly when the text it expects is gone (update it then).
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as esbuild from 'esbuild';

/** A build-time edit of the source files matching `file`: each [from, to] must change the text. */
function patchSource(name: string, file: RegExp, edits: ReadonlyArray<readonly [string | RegExp, string]>): esbuild.Plugin {
  return {
    name,
    setup(build) {
      build.onLoad({ filter: file }, (args) => {
        let text = readFileSync(args.path, 'utf8');
        for (const [from, to] of edits) {
          const edited = text.replace(from, () => to);
          if (edited === text) throw new Error(`${name}: ${args.path} changed, the edit of ${String(from).slice(0, 60)} no longer applies`);
          text = edited;
        }
        return { contents: text, loader: 'ts' };
      });
    },
  };
}

/** Replaces a line (or text) of the copied charm's dispatch; fails if dispatch changed. */
export function patchDispatch(dir: string, from: string, to: string): void {
  const file = join(dir, 'dispatch');
  const text = readFileSync(file, 'utf8');
  if (!text.includes(from)) throw new Error(`dispatch no longer has ${JSON.stringify(from)}`);
  writeFileSync(
    file,
    text.replace(from, () => to),
  );
  chmodSync(file, 0o755);
}

/** dispatch's last line, which the entry-file and Node-flag variants replace. */
export const EXEC_LINE = 'exec "$node" "$charm_dir/dist/charm.cjs"';

// ---------------------------------------------------------------------------------------------
// Alternatives to what the charm does now (each undoes one decision, to measure it)

/** zod/mini replaced by bench/zod-mini-shim.ts (the same results for the charm's two schemas). */
export const withoutZod = (root: string): esbuild.Plugin => ({
  name: 'without-zod',
  setup(build) {
    build.onResolve({ filter: /^zod\/mini$/ }, () => ({ path: join(root, 'bench', 'zod-mini-shim.ts') }));
  },
});

/** Workload commands through node:child_process spawn instead of execa: same stdout, same CommandError. */
export const withoutExeca = patchSource('without-execa', /[/\\]src[/\\]workload[/\\]exec\.ts$/, [
  [
    /export async function runCommand\([\s\S]*$/,
    `import { spawn } from 'node:child_process';

export async function runCommand(file: string, args: readonly string[], options: CommandOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], {
      env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    });
    let stdout = '';
    let all = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; all += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { all += chunk; });
    child.once('error', (error) => reject(new CommandError([file, ...args], undefined, error.message)));
    child.once('close', (code, signal) => {
      if (code === 0) resolve(stdout.replace(/\\r?\\n$/, ''));
      else reject(new CommandError([file, ...args], code ?? undefined, all || \`killed by \${signal}\`));
    });
  });
}
`,
  ],
]);

const DIRECT_TS = /[/\\]src[/\\]workload[/\\]direct\.ts$/;
const FIND_BODY = /const find = \(\): ProcessInfo \| undefined => \{[\s\S]*?\n {2}\};/;

/** The direct daemon ignores the pid file: it scans /proc, reading only processes named tinyproxy in full. */
export const scanByName = patchSource('scan-by-name', DIRECT_TS, [[FIND_BODY, "const find = (): ProcessInfo | undefined => findProcesses(ours, 'tinyproxy')[0];"]]);

/** The look-up before "Find tinyproxy cheaply": no pid file, every process's stat, status and cmdline read. */
export const scanAll = patchSource('scan-all', DIRECT_TS, [[FIND_BODY, 'const find = (): ProcessInfo | undefined => findProcesses(ours)[0];']]);

/** isRunning asks the daemon every time instead of once per hook. */
export const noMemo = patchSource('no-memo', /[/\\]src[/\\]workload[/\\]tinyproxy\.ts$/, [['pidCache ??= (await daemon.mainPid()) ?? null;', 'pidCache = (await daemon.mainPid()) ?? null;']]);

/**
 * The serving check trusted instead of made: a running tinyproxy counts as serving, with no
 * look at /proc/net, the process state or an HTTP probe (what the honest check costs).
 */
export const trustedCheck = patchSource('trusted-check', /[/\\]src[/\\]workload[/\\]serving\.ts$/, [
  [
    /export async function checkServing\([\s\S]*$/,
    `export async function checkServing(pid: number | undefined, _expected: Served): Promise<ServingCheck> {
  return pid === undefined ? { state: 'stopped' } : { state: 'serving' };
}
`,
  ],
]);

/** The serving probe through node:http instead of raw HTTP over node:net. */
export const httpProbe = patchSource('http-probe', /[/\\]src[/\\]workload[/\\]wait\.ts$/, [
  ["import { connect } from 'node:net';", "import { connect } from 'node:net';\nimport { request } from 'node:http';"],
  [
    /export function probeMapping\([\s\S]*$/,
    `export function probeMapping(port: number, slug: string, timeoutMs = 1000): Promise<ProbeAnswer> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: \`/\${slug}\`, agent: false, timeout: timeoutMs, headers: { Host: 'localhost' } }, (res) => {
      res.resume();
      resolve(res.statusCode === 301 && res.headers.location === \`/\${slug}/\` ? 'maps' : 'other');
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve('silent'));
    req.end();
  });
}

export const mapsPath = async (port: number, slug: string): Promise<boolean> => (await probeMapping(port, slug)) === 'maps';
`,
  ],
]);

// ---------------------------------------------------------------------------------------------
// The V8 code cache loader

/**
 * dist/boot.cjs: loads dist/charm.cjs through vm.Script with a V8 code cache beside it
 * (charm.cjs.v8cache), written at exit by a hook that found none or had it rejected.
 * vm.Script has no dynamic import() on Node 18/20, so the bundle must require() execa.
 */
export const CODE_CACHE_BOOT = `'use strict';
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
