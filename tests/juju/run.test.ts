// `npm run test:juju` on a machine without juju: one line saying what is missing and how to get
// it, exit 0, and no vitest run.
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO } from './fake/harness.ts';

describe('tests/juju/run.mjs', () => {
  it('without juju on PATH prints one line saying what is missing and how to get it, and exits 0', async () => {
    const run = await execa(process.execPath, [path.join(REPO, 'tests/juju/run.mjs')], {
      cwd: REPO,
      env: { PATH: '/nonexistent', HOME: '/nonexistent' },
      extendEnv: false,
      reject: false,
    });
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout.split('\n')).toHaveLength(1);
    expect(run.stdout).toMatch(/^test:juju: skipped, no `juju` on PATH\..*concierge prepare -p machine.*npm run test:juju/);
  });
});
