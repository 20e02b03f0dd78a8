// Assertions the fault cases share: a hook that succeeded, a hook that failed cleanly (one line on
// stderr, one ERROR record with a stack), the proxy serving a slug, and no forward proxying ever.
import { expect } from 'vitest';
import type { StatusInfo } from '../harness/juju-sim.ts';
import { UPSTREAM_MARKER, type ProxyNetwork } from '../harness/netns.ts';
import type { HookRun } from './fixture.ts';

/** The hook's output, for assertion messages. */
export const explain = (r: HookRun): string =>
  `${r.event} exited ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}${r.failed && r.exitCode === 0 ? ' (commit dropped: a failed hook)' : ''}\n--- stderr\n${r.stderr}\n--- juju-log\n${
    r.logs.map((l) => `${l.level} ${l.message}`).join('\n')}\n--- calls\n${
    r.calls.map((c) => `${c.tool} ${JSON.stringify(c.args).slice(0, 300)}`).join('\n')}`;

const statusSets = (r: HookRun) => r.calls.filter((c) => c.tool === 'status-set');

/** The hook exited 0, printed nothing on stderr, set the status once, and the status is `expected`. */
export function expectOk(r: HookRun, expected: StatusInfo): void {
  expect(r.exitCode, explain(r)).toBe(0);
  expect(r.stdioHeldOpen, `${r.event}: a process it started kept its stdout/stderr open`).toBe(false);
  expect(r.stderr, `${r.event}: stderr of a successful hook`).toBe('');
  expect(statusSets(r), `${r.event}: one status-set`).toHaveLength(1);
  expect(r.logs.filter((l) => l.level === 'ERROR'), explain(r)).toEqual([]);
  expect(statusOf(r), explain(r)).toEqual(expected);
}

/** The status the hook's last status-set set (from its argv: `--application=False <status> -- <message>`). */
export function statusOf(r: HookRun): StatusInfo | undefined {
  const last = statusSets(r).at(-1);
  if (!last) return undefined;
  const args = last.args.filter((a) => !a.startsWith('--application'));
  const dashes = args.indexOf('--');
  return { status: args[0] ?? '', message: dashes >= 0 ? (args[dashes + 1] ?? '') : (args[1] ?? '') };
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

/** GET /<slug>/<rest> from the client namespace reaches the upstream as /<rest>. */
export async function expectServed(net: ProxyNetwork, slug: string, rest = ''): Promise<void> {
  const r = await net.curl(`/${slug}/${rest}`);
  expect(r.code, `GET /${slug.slice(0, 80)}/${rest}: ${r.stderr}${r.body.slice(0, 200)}`).toBe(200);
  expect(r.body).toContain(`${UPSTREAM_MARKER} path=/${rest}`);
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
  expect(net.upstreamRequests().map((r) => r.url).filter((u) => u.includes('forward-')), 'requests forwarded to the upstream').toEqual([]);
}
