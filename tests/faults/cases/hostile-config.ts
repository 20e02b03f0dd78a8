// Hostile config through config-changed on a running unit: every slug of the catalogue, values
// too long for one argv string, upstreams at and past tinyproxy's config line limit, and upstreams
// tinyproxy would misread.
import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';
import { invalidSlug, invalidUpstream, portReserved, slugTooLong, UPSTREAM_REASONS } from '../../../src/charm/messages.ts';
import { expectNoForwardProxy, expectOk, expectServed, explain } from '../checks.ts';
import type { FaultFixture, HookRun } from '../fixture.ts';
import { ACTIVE, blocked, CONFIG_FILE, RELOAD_LOG, START_LOG_PREFIX, upstreamRefusedPrefix } from '../machine.ts';
import { charmTinyproxyPids, configBytes, daemonEvents } from '../observe.ts';
import { CANARIES, SLUG_CASES } from '../slugs.ts';
import { configure, logged, type SuiteContext, serverPids, serving } from '../suite.ts';

const printable = (value: string): string => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);

/** What must not change when the charm refuses a config. */
interface Untouched {
  readonly config: Buffer | undefined;
  readonly pids: number[];
  readonly serverPids: number[];
  readonly events: ReturnType<typeof daemonEvents>;
}

const untouched = async (f: FaultFixture): Promise<Untouched> => ({
  config: configBytes(),
  pids: charmTinyproxyPids(),
  serverPids: await serverPids(f),
  events: daemonEvents(),
});

/** Blocked with `message`; config file byte-identical; no process started, stopped or signalled; `slug` still served. */
async function expectRefused(f: FaultFixture, r: HookRun, before: Untouched, message: string | { readonly startsWith: string }, slug: string): Promise<void> {
  if (typeof message === 'string') expectOk(r, blocked(message));
  else {
    expect(r.exitCode, explain(r)).toBe(0);
    expect(f.unit.status().status).toBe('blocked');
    expect(f.unit.status().message.startsWith(message.startsWith), f.unit.status().message).toBe(true);
  }
  const after = await untouched(f);
  expect(after.config?.equals(before.config ?? Buffer.alloc(0)), `${CONFIG_FILE} changed`).toBe(true);
  expect(after.pids, 'tinyproxy was restarted').toEqual(before.pids);
  expect(after.serverPids, 'a process was started or stopped in the server namespace').toEqual(before.serverPids);
  expect(after.events, 'tinyproxy reloaded or restarted').toEqual(before.events);
  expect([...logged(r, 'INFO'), ...logged(r, 'WARNING')].filter((m) => m === RELOAD_LOG || m.startsWith(START_LOG_PREFIX))).toEqual([]);
  expect(r.calls.filter((c) => c.tool === 'open-port' || c.tool === 'close-port')).toEqual([]);
  await expectServed(f.net, slug);
}

export function registerHostileConfig({ fixture, tally }: SuiteContext): void {
  let previous = 'example';

  it('a running unit serves /example/ before the hostile values', async () => {
    await serving(fixture());
    previous = 'example';
  });

  for (const c of SLUG_CASES) {
    const title = c.blocked === undefined ? `slug ${c.label} ${printable(c.value)} is served` : `slug ${c.label} ${printable(c.value)} is refused`;
    it(title, async () => {
      const f = fixture();
      const before = await untouched(f);
      configure(f, { slug: c.value });
      const r = await f.hook('config-changed');
      if (c.blocked !== undefined) {
        tally.input(false);
        await expectRefused(f, r, before, c.blocked, previous);
      } else {
        tally.input(true);
        expectOk(r, ACTIVE);
        expect(configBytes()?.toString('utf8')).toContain(`\nReversePath "/${c.value}/" "http://www.example.com/"\n`);
        await expectServed(f.net, c.value);
        await expectServed(f.net, c.value, 'deeper/page?q=1');
        expect(charmTinyproxyPids(), 'a reload keeps the PID').toEqual(before.pids);
        const expectedReloads = c.value === previous ? 0 : 1;
        expect(daemonEvents()).toEqual({ starts: before.events.starts, reloads: before.events.reloads + expectedReloads });
        expect(logged(r, 'INFO').filter((m) => m === RELOAD_LOG)).toHaveLength(expectedReloads);
        previous = c.value;
      }
      await expectNoForwardProxy(f.net);
    });
  }

  it('no value reached a shell: the substitution canaries do not exist, and the status carried each value verbatim', () => {
    for (const canary of CANARIES) expect(existsSync(canary), canary).toBe(false);
  });

  // A refused value longer than one argv string can hold (128 KiB) must still block: the
  // message quotes it in part, or status-set would fail with E2BIG.
  it('a 140,000-character slug blocks (the message must fit in one status-set argument)', async () => {
    const f = fixture();
    const before = await untouched(f);
    configure(f, { slug: 'X'.repeat(140_000) });
    const r = await f.hook('config-changed');
    tally.input(false);
    await expectRefused(f, r, before, invalidSlug('X'.repeat(140_000)), previous);
  });

  it('an upstream of exactly the longest length tinyproxy can read with slug example is served', async () => {
    const f = fixture();
    await f.net.addUpstream(9000, 'SECOND-UPSTREAM');
    // `ReversePath "/example/" "<upstream>"` is 2047 bytes: tinyproxy reads lines into 2048 bytes with the newline.
    const upstream = `http://127.0.0.1:9000/${'p'.repeat(2047 - 'ReversePath "/example/" ""'.length - 'http://127.0.0.1:9000/'.length - 1)}/`;
    configure(f, { slug: 'example', upstream });
    const r = await f.hook('config-changed');
    tally.input(true);
    expectOk(r, ACTIVE);
    const served = await f.net.curl('/example/x');
    expect(served.code).toBe(200);
    expect(served.body).toContain(`SECOND-UPSTREAM path=${new URL(upstream).pathname}x`);
    previous = 'example';
    await expectNoForwardProxy(f.net);
  });

  it('an upstream one byte longer is refused, naming the limit', async () => {
    const f = fixture();
    await serving(f, 'example');
    const before = await untouched(f);
    const upstream = `http://127.0.0.1:9000/${'p'.repeat(2047 - 'ReversePath "/example/" ""'.length - 'http://127.0.0.1:9000/'.length)}/`;
    configure(f, { slug: 'example', upstream });
    const r = await f.hook('config-changed');
    tally.input(false);
    await expectRefused(f, r, before, slugTooLong('example', 6), 'example');
  });

  // An upstream that cannot fit tinyproxy's line even with a one-character slug is the
  // upstream's problem, not the slug's.
  it('an upstream longer than a config line is refused with a message about the upstream', async () => {
    const f = fixture();
    const before = await untouched(f);
    const upstream = `http://www.example.com/${'u'.repeat(2100)}`;
    configure(f, { slug: 'example', upstream });
    const r = await f.hook('config-changed');
    tally.input(false);
    await expectRefused(f, r, before, { startsWith: upstreamRefusedPrefix(upstream) }, 'example');
    expect(f.unit.status().message).not.toMatch(/at most -\d/);
  });

  it('upstreams that could escape their quotes or add a directive are refused; the proxy keeps serving', async () => {
    const f = fixture();
    await serving(f, 'example');
    for (const upstream of [
      'http://www.example.com/"\nReverseOnly No',
      'http://www.example.com/" "x',
      'http://www.example.com/ x',
      'http://www.example.com/\\',
      'http://www.example.com/\t',
      'https://www.example.com/',
      'file:///etc/passwd',
      '',
    ]) {
      const before = await untouched(f);
      configure(f, { slug: 'example', upstream });
      const r = await f.hook('config-changed');
      tally.input(false);
      await expectRefused(f, r, before, { startsWith: upstreamRefusedPrefix(upstream) }, 'example');
    }
  });

  // tinyproxy 1.11.1 reads these differently from the URL: port 0 is taken as "no port" (it connects to 80),
  // and port 443 is left out of the Host header it sends (which then means port 80).
  it('upstreams tinyproxy would misread are refused, naming the reason; the proxy keeps serving', async () => {
    const f = fixture();
    await serving(f, 'example');
    const misread: [upstream: string, reason: string][] = [
      ['http://127.0.0.1:0/', UPSTREAM_REASONS.portZero],
      ['http://www.example.com:00/base', UPSTREAM_REASONS.portZero],
      ['http://www.example.com:443/', UPSTREAM_REASONS.port443],
    ];
    for (const [upstream, reason] of misread) {
      const before = await untouched(f);
      configure(f, { slug: 'example', upstream });
      const r = await f.hook('config-changed');
      tally.input(false);
      await expectRefused(f, r, before, invalidUpstream(upstream, reason), 'example');
    }
  });

  it('odd upstreams the schema accepts (quote, $(...), percent-encoding, port) are served as written', async () => {
    const f = fixture();
    for (const upstream of ["http://www.example.com/'", 'http://www.example.com/$(id)', 'http://www.example.com/%20x', 'http://www.example.com:80/a;b', 'http://www.example.com:080/b']) {
      configure(f, { slug: 'example', upstream });
      const r = await f.hook('config-changed');
      tally.input(true);
      expectOk(r, ACTIVE);
      const base = new URL(upstream).pathname;
      const served = await f.net.curl('/example/x');
      expect(served.code, `${upstream}: ${served.body}`).toBe(200);
      expect(served.body).toContain(`path=${base.endsWith('/') ? base : `${base}/`}x`);
      await expectNoForwardProxy(f.net);
    }
    await serving(f, 'example');
  });

  it('several problems at once are named together, joined by "; "', async () => {
    const f = fixture();
    const before = await untouched(f);
    configure(f, { slug: 'Foo', 'server-port': 22 });
    const r = await f.hook('config-changed');
    tally.input(false);
    await expectRefused(f, r, before, `${invalidSlug('Foo')}; ${portReserved(22)}`, 'example');
    await serving(f, 'example');
  });
}
