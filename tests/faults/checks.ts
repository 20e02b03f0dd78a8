// Assertions the fault cases share: a hook that succeeded, a hook that failed cleanly (one line on
// stderr, one ERROR record with a stack), the proxy serving a slug, no forward proxying ever, and
// canary files that a followed link would change.
import { chmodSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { StatusInfo } from '../../testkit/juju-sim.ts';
import { type ProxyNetwork, UPSTREAM_MARKER } from '../../testkit/netns.ts';
import { waitUntil } from '../../testkit/poll.ts';
import type { HookRun } from './fixture.ts';
import { LOG_FILE, portInUseAround } from './machine.ts';

/** The hook's output, for assertion messages. */
export const explain = (r: HookRun): string =>
  `${r.event} exited ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}${r.failed && r.exitCode === 0 ? ' (commit dropped: a failed hook)' : ''}\n--- stderr\n${r.stderr}\n--- juju-log\n${r.logs
    .map((l) => `${l.level} ${l.message}`)
    .join('\n')}\n--- calls\n${r.calls.map((c) => `${c.tool} ${JSON.stringify(c.args).slice(0, 300)}`).join('\n')}`;

const statusSets = (r: HookRun) => r.calls.filter((c) => c.tool === 'status-set');

/** The hook returned before its timeout, exited 0, printed nothing on stderr, logged no ERROR and set the status once. */
function expectCleanRun(r: HookRun): void {
  expect(r.timedOut, `${r.event} did not return before the hook timeout (${r.durationMs} ms): it hung\n${explain(r)}`).toBe(false);
  expect(r.exitCode, explain(r)).toBe(0);
  expect(r.stdioHeldOpen, `${r.event}: a process it started kept its stdout/stderr open`).toBe(false);
  expect(r.stderr, `${r.event}: stderr of a successful hook`).toBe('');
  expect(statusSets(r), `${r.event}: one status-set`).toHaveLength(1);
  expect(
    r.logs.filter((l) => l.level === 'ERROR'),
    explain(r),
  ).toEqual([]);
}

/** The hook exited 0, printed nothing on stderr, set the status once, and `juju status` shows `expected`. */
export function expectOk(r: HookRun, expected: StatusInfo): void {
  expectCleanRun(r);
  expect(r.jujuStatus, explain(r)).toEqual(expected);
}

/**
 * The hook exited 0 and left the unit blocked because another process listens on `port`:
 * `Port <port> is in use by ...`, naming every holder as `<comm> (pid <pid>)`.
 */
export function expectPortInUse(r: HookRun, port: number, holders: readonly string[]): void {
  expectCleanRun(r);
  const status = r.jujuStatus;
  expect(status.status, explain(r)).toBe('blocked');
  const [before, after] = portInUseAround(port);
  expect(status.message.startsWith(before) && status.message.endsWith(after), `blocked message: ${status?.message}`).toBe(true);
  for (const holder of holders) expect(status.message, 'the message names the holder').toContain(holder);
}

/** The hook returned before its timeout and failed with exactly one line on stderr naming `mention`. */
export function expectOneLineFailure(r: HookRun, mention: string): void {
  expect(r.timedOut, `${r.event} did not return before the hook timeout (${r.durationMs} ms): it hung\n${explain(r)}`).toBe(false);
  expect(r.exitCode, explain(r)).not.toBe(0);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, `${r.event}: stderr of a failed hook is one line`).toHaveLength(1);
  expect(lines[0], `${r.event}: stderr names ${mention}`).toContain(mention);
}

const OBJECT_DUMP = /\[object Object\]|^\s*\w+: \[|\{\s*$|^\s*\}|<ref \*|\[Symbol\(/m;

/**
 * The hook failed cleanly: exit 1, exactly one line on stderr (`tinyproxy charm: <hook> failed: ...`)
 * naming every `mention`, and (unless juju-log itself is the broken tool) one juju-log ERROR record:
 * a header line, `<Error>: <message>` naming the same, then only stack frames. No object dumps.
 */
export function expectCleanFailure(r: HookRun, mentions: readonly string[], jujuLogWorks = true): void {
  expect(r.exitCode, explain(r)).toBe(1);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, `${r.event}: stderr is one line`).toHaveLength(1);
  const line = lines[0] ?? '';
  expect(line.startsWith(`tinyproxy charm: ${r.event} failed: `), line).toBe(true);
  expect(line, 'stderr is not an object dump').not.toMatch(OBJECT_DUMP);
  for (const text of mentions) expect(line, `stderr names ${text}`).toContain(text);
  const errors = r.logs.filter((l) => l.level === 'ERROR');
  if (!jujuLogWorks) {
    expect(errors).toEqual([]);
    return;
  }
  expect(errors, explain(r)).toHaveLength(1);
  const [header, first = '', ...frames] = (errors[0]?.message ?? '').split('\n');
  expect(header).toBe('Uncaught exception while in charm code:');
  expect(first, 'the stack starts with the error name and message').toMatch(/^\w*Error: \S/);
  for (const text of mentions) expect(first, `the logged error names ${text}`).toContain(text);
  expect(frames.length, 'the ERROR record has a stack').toBeGreaterThan(0);
  for (const frame of frames) expect(frame, 'only stack frames follow the message').toMatch(/^\s+at \S/);
  expect(errors[0]?.message, 'juju-log is not an object dump').not.toMatch(/\[object Object\]|<ref \*|\[Symbol\(/);
}

/** GET /<slug>/<rest> (on `port`) from the client namespace reaches the upstream as /<rest>. */
export async function expectServed(net: ProxyNetwork, slug: string, rest = '', port = 8000): Promise<void> {
  const r = await net.curl(`/${slug}/${rest}`, { port });
  expect(r.code, `GET :${port}/${slug.slice(0, 80)}/${rest}: ${r.stderr}${r.body.slice(0, 200)}`).toBe(200);
  expect(r.body).toContain(`${UPSTREAM_MARKER} path=/${rest}`);
}

let logged = 0;

/** A request served through the proxy now shows up in tinyproxy.log: tinyproxy still writes to that file. */
export async function expectRequestLogged(net: ProxyNetwork, slug: string): Promise<void> {
  logged += 1;
  const tag = `logged-request-${process.pid}-${logged}`;
  await expectServed(net, slug, tag);
  const inLog = (): boolean => {
    try {
      return readFileSync(LOG_FILE, 'latin1').includes(`/${slug}/${tag}`);
    } catch {
      return false;
    }
  };
  // tinyproxy writes the line after it answered: the expectation below names what is missing.
  await waitUntil(`GET /${slug}/${tag} in ${LOG_FILE}`, inLog, 5000, 20).catch(() => undefined);
  expect(inLog(), `GET /${slug}/${tag} appears in ${LOG_FILE}`).toBe(true);
}

let probes = 0;

/**
 * The proxy forwards nothing: an absolute-URI GET and a CONNECT are refused (answered with an
 * error, or the connection is refused when tinyproxy is not running), and the upstream never sees them.
 */
export async function expectNoForwardProxy(net: ProxyNetwork, port = 8000): Promise<void> {
  probes += 1;
  const tag = `forward-probe-${probes}`;
  const forward = await net.curl(`/${tag}-get`, { proxy: true, port });
  expect(forward.code, `absolute-URI GET through the proxy: ${forward.body}`).not.toBe(200);
  if (forward.code === 0) expect(forward.exitCode, `absolute-URI GET: ${forward.stderr}`).toBe(7);
  const tunnel = await net.curl(`/${tag}-tunnel`, { connect: true, port });
  expect(tunnel.connectCode, 'CONNECT through the proxy').not.toBe(200);
  expect(tunnel.code).not.toBe(200);
  expect(
    net
      .upstreamRequests()
      .map((r) => r.url)
      .filter((u) => u.includes('forward-')),
    'requests forwarded to the upstream',
  ).toEqual([]);
}

/** A root-owned file that hostile links point at: it must keep its content, mode and owner. */
export interface Canary {
  readonly path: string;
  expectUntouched(): void;
  remove(): void;
}

const CANARY_TEXT = 'canary: nothing may write here\n';

/** Creates a canary (root, 0644) in a new temp folder that everyone may traverse. */
export function plantCanary(): Canary {
  const dir = mkdtempSync(join(tmpdir(), 'tp-fault-canary-'));
  chmodSync(dir, 0o755);
  const path = join(dir, 'canary');
  writeFileSync(path, CANARY_TEXT, { mode: 0o644 });
  chmodSync(path, 0o644);
  return {
    path,
    expectUntouched() {
      const st = lstatSync(path);
      expect(st.isFile(), `${path} is still a regular file`).toBe(true);
      expect(readFileSync(path, 'utf8'), `${path} content`).toBe(CANARY_TEXT);
      expect(st.mode & 0o7777, `${path} mode`).toBe(0o644);
      expect([st.uid, st.gid], `${path} owner`).toEqual([0, 0]);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
