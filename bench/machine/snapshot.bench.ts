// `npm run bench:machine` (issue 12): inside a booted Debian 12 machine (the machine suite's
// fixture: Debian's nodejs 18.20, shared libnode, no built-in snapshot), install-to-active hook
// times from a bare machine, then update-status (steady, tinyproxy serving) against a bare
// `node -e 0` of the same runtime, interleaved, with and without the start-up snapshot.
// Needs root and the machine suite's prerequisites; takes the machine suite's lock.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { ACTIVE, CHARM_DIR, describeCharmMachine, WAITING_START } from '../../testkit/machine/charm-fixture.ts';
import { median, ms, ratio } from '../stats.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 25);
const RESULTS = fileURLToPath(new URL('../results-machine.md', import.meta.url));

describeCharmMachine('bench: hooks in a Debian 12 machine', 'tp-bench', ({ machine: m, unit: sim, sh, hook, runHook }) => {
  it(`install to active, then update-status vs node -e 0, median of ${RUNS}`, async () => {
    const steps: Array<[string, number]> = [];
    for (const [event, status] of [
      ['install', WAITING_START],
      ['config-changed', ACTIVE],
      ['start', ACTIVE],
    ] as const) {
      const r = await runHook(event);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(sim().status()).toEqual(status);
      steps.push([event, r.tookMs]);
    }
    const last = await hook('update-status', ACTIVE);
    await m().writeFile('/tmp/bench-env.json', JSON.stringify(last.env));
    await m().copyIn(fileURLToPath(new URL('timer.cjs', import.meta.url)), '/tmp/bench-timer.cjs');
    // The host's node is an official build (with Node's own start-up snapshot): the "both ways" rows.
    await m().copyIn(process.execPath, '/tmp/bench-official-node');
    const version = await sh('node', '--version');
    const out = JSON.parse(await sh('node', '/tmp/bench-timer.cjs', CHARM_DIR, String(RUNS), '/tmp/bench-env.json', '/tmp/bench-official-node')) as Record<string, number[]> & {
      officialVersion: string;
    };
    expect(out.bare).toHaveLength(RUNS);
    await hook('update-status', ACTIVE);
    const rowAgainst =
      (floor: number[]) =>
      (name: string, xs: number[] | undefined): string =>
        `| ${name} | ${ms(median(xs ?? []))} | ${ratio(median(xs ?? []) / median(floor))} |`;
    const row = rowAgainst(out.bare ?? []);
    const officialRow = rowAgainst(out['official.bare'] ?? []);
    const text = [
      `## Debian 12 machine, Debian's nodejs ${version} (shared libnode, no built-in snapshot)`,
      '',
      `Medians of ${RUNS} interleaved runs inside the booted machine (\`npm run bench:machine\`), ${new Date().toISOString()}.`,
      '',
      '| command | median ms | vs bare node -e 0 |',
      '|---|---|---|',
      row('bare `node -e 0`', out.bare),
      row('update-status, from the start-up snapshot', out.snapshot),
      row('start from the snapshot alone (no hook: dispatch check mode, no dispatch)', out.snapshotStart),
      row('update-status, without it (plain bundle)', out.plain),
      '',
      `Official node ${out.officialVersion} (the host's, with Node's own start-up snapshot) shipped as the charm's \`bin/node\` in a copy of the charm dir, same machine, interleaved: dispatch builds and uses a user start-up snapshot there too, because it measured faster than Node's own (the row with Node's own runs dispatch's verdict \`off\`, one \`stat\` more; the runs that made the choice, without that stat: 65.0 against 61.0 ms and 78.5 against 73.0 ms).`,
      '',
      '| command | median ms | vs bare node -e 0 |',
      '|---|---|---|',
      officialRow('bare `node -e 0`', out['official.bare']),
      officialRow('update-status, a user start-up snapshot (what dispatch does)', out['official.user']),
      officialRow("update-status, Node's own start-up snapshot", out['official.builtin']),
      '',
      'Install to active on a bare machine (wall time through the Juju simulator, including dispatch installing nodejs with apt and building the snapshot):',
      '',
      '| hook | ms |',
      '|---|---|',
      ...steps.map(([event, took]) => `| ${event} | ${took} |`),
      '',
    ].join('\n');
    console.log(text);
    writeFileSync(RESULTS, text);
  }, 600_000);
});
