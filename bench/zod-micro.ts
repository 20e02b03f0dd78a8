// zod/mini's start-up cost outside the charm, for `npm run bench -- --investigate`: node on a
// CommonJS file that only builds the charm's two schemas and parses once, against an empty file
// and against the same code on bench/zod-mini-shim.ts.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { withoutZod } from './patches.ts';
import { tempDir } from './rig.ts';
import { delta, kib, median, ms, table } from './stats.ts';

const PARSE = `
const S = z.object({ slug: z.string().check(z.regex(/^[a-z0-9-]+$/)), 'server-port': z.int().check(z.gte(1), z.lte(65535), z.refine((p) => p !== 22)), upstream: z.string() });
const E = z.object({ JUJU_DISPATCH_PATH: z.string({ error: 'unset' }).check(z.minLength(1, 'empty')), JUJU_CHARM_DIR: z.optional(z.string()) });
if (!z.safeParse(S, { slug: 'example', 'server-port': 8000, upstream: 'http://www.example.com/' }).success) process.exit(3);
if (!z.safeParse(E, { JUJU_DISPATCH_PATH: 'hooks/update-status' }).success) process.exit(3);`;

export async function zodMicro(root: string, runs: number): Promise<string> {
  const dir = tempDir('tpbench-zod-');
  const files: Record<string, string> = { 'empty.cjs': '', 'zod.cjs': `import * as z from 'zod/mini';${PARSE}`, 'shim.cjs': `import * as z from 'zod/mini';${PARSE}` };
  for (const [name, contents] of Object.entries(files)) {
    await esbuild.build({
      absWorkingDir: root,
      stdin: { contents, resolveDir: root, loader: 'js' },
      outfile: join(dir, name),
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node18.19',
      minify: true,
      logLevel: 'error',
      plugins: name === 'shim.cjs' ? [withoutZod(root)] : [],
    });
  }
  const times: Record<string, number[]> = { 'empty.cjs': [], 'zod.cjs': [], 'shim.cjs': [] };
  const env = { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' };
  for (let i = 0; i < runs * 2; i++) {
    for (const name of Object.keys(times)) {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [join(dir, name)], { env, stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`bench: zod micro ${name} exited ${r.status}`);
      times[name]?.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  const t = (name: string): number => median(times[name] ?? []);
  const size = (name: string): string => kib(readFileSync(join(dir, name)).length);
  return table(
    ['`node <file>.cjs` (clean env, no namespace)', 'bundle KiB', 'median ms', 'minus empty'],
    [
      ['empty file', size('empty.cjs'), ms(t('empty.cjs')), '0'],
      ['zod/mini: both charm schemas built + parsed once', size('zod.cjs'), ms(t('zod.cjs')), delta(t('zod.cjs') - t('empty.cjs'))],
      ['the same with the stand-in', size('shim.cjs'), ms(t('shim.cjs')), delta(t('shim.cjs') - t('empty.cjs'))],
    ],
  );
}
