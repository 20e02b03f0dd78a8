// The charm's own files in its charm dir damaged (issue 10): the unit state, the old serving-probe
// memo (no longer used), and the remembered Node runtime that dispatch execs. The next hooks must
// return; at most one of the first two fails, with one stderr line naming the file, and the unit
// ends active and serving. A damaged unit state is logged once at WARNING naming the file.
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { mustRun } from '../../../testkit/process.ts';
import { expectOk, expectOneLineFailure, expectServed, explain, plantCanary } from '../checks.ts';
import type { HookRun } from '../fixture.ts';
import { ACTIVE, STATE_FILE_NAME } from '../machine.ts';
import { unitStateText } from '../observe.ts';
import { BOUNDED, BOUNDED_TEST_MS, isolated, logged, type SuiteContext, serving } from '../suite.ts';

interface CharmFileFault {
  /** The file, relative to the charm dir. */
  readonly file: string;
  readonly name: string;
  /** Damages `path` (whatever is there is removed first); `canary` is a root-owned file. */
  readonly inject: (path: string, canary: string) => unknown;
}

const mkfifo = (path: string): Promise<unknown> => mustRun(['mkfifo', '-m', '0600', path]);

const FAULTS: readonly CharmFileFault[] = [
  { file: STATE_FILE_NAME, name: 'garbage', inject: (p) => writeFileSync(p, '\u0000{"shouldRun": tru\u00ff', { mode: 0o600 }) },
  { file: STATE_FILE_NAME, name: 'empty', inject: (p) => writeFileSync(p, '', { mode: 0o600 }) },
  { file: STATE_FILE_NAME, name: 'a directory', inject: (p) => mkdirSync(p) },
  { file: STATE_FILE_NAME, name: 'a FIFO', inject: (p) => mkfifo(p) },
  { file: STATE_FILE_NAME, name: 'a symlink to a root-owned canary', inject: (p, c) => symlinkSync(c, p) },
  { file: '.serving-probe', name: 'a directory', inject: (p) => mkdirSync(p) },
  { file: '.serving-probe', name: 'a FIFO', inject: (p) => mkfifo(p) },
  {
    file: '.runtime/node',
    name: 'a garbage regular file with +x',
    inject: (p) => {
      mkdirSync(join(p, '..'), { recursive: true });
      writeFileSync(p, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0xff, 0x13, 0x37, 0x0a, 0x67, 0x61, 0x72, 0x62, 0x61, 0x67, 0x65, 0x0a]));
      chmodSync(p, 0o755);
    },
  },
  { file: '.runtime/node', name: 'a directory', inject: (p) => mkdirSync(p, { recursive: true }) },
  {
    file: '.runtime/node',
    name: 'a dangling symlink',
    inject: (p) => {
      mkdirSync(join(p, '..'), { recursive: true });
      symlinkSync('/nonexistent/node', p);
    },
  },
  { file: '.runtime', name: 'a regular file', inject: (p) => writeFileSync(p, 'not a folder\n', { mode: 0o755 }) },
];

// config-changed twice: it writes the unit state, so a hook that fails on every write shows.
const EVENTS = ['update-status', 'config-changed', 'config-changed', 'update-status'] as const;
/** The one failure allowed is one of the first two hooks; every hook after it must succeed. */
const MAY_FAIL_UNTIL = 1;

export function registerCharmFileFaults({ fixture, tally }: SuiteContext): void {
  for (const fault of FAULTS) {
    it(
      `${fault.file} ${fault.name}: the next four hooks return, at most one of the first two fails (one stderr line naming it), the rest end active, and it serves`,
      () =>
        isolated(async () => {
          const f = fixture();
          await serving(f, 'example');
          const path = join(f.charmDir, fault.file);
          const state = unitStateText(f.charmDir);
          const canary = plantCanary();
          const done = tally.fault(`${fault.file} ${fault.name}`);
          try {
            rmSync(path, { recursive: true, force: true });
            await fault.inject(path, canary.path);
            const runs: HookRun[] = [];
            let failures = 0;
            for (const [i, event] of EVENTS.entries()) {
              const r = await f.hook(event, BOUNDED);
              runs.push(r);
              if (r.exitCode !== 0 && !r.timedOut && failures === 0 && i <= MAY_FAIL_UNTIL) {
                failures += 1;
                expectOneLineFailure(r, fault.file);
                continue;
              }
              expectOk(r, ACTIVE);
            }
            if (fault.file === STATE_FILE_NAME) {
              const warnings = runs.flatMap((r) => logged(r, 'WARNING')).filter((m) => m.includes(STATE_FILE_NAME));
              expect(warnings, runs.map(explain).join('\n')).toHaveLength(1);
            }
            canary.expectUntouched();
            await expectServed(f.net, 'example');
            done();
          } finally {
            rmSync(path, { recursive: true, force: true });
            if (state !== undefined && fault.file === STATE_FILE_NAME) writeFileSync(path, state, { mode: 0o600 });
            canary.remove();
          }
        }),
      BOUNDED_TEST_MS,
    );
  }
}
