// One HTTP GET to a unit, as `curl http://<address>:<port><path>` from the test host would send it.
// Injectable: the suite takes an HttpGet, so a run against the fake juju can route the requests
// through a local stand-in instead of sending traffic anywhere.
import { request } from 'node:http';

/** Where to send a GET. */
export interface HttpTarget {
  readonly host: string;
  readonly port: number;
  readonly path: string;
}

/** An HTTP answer, or why there was none (ECONNREFUSED, timeout, ...). */
export type HttpAnswer = { readonly kind: 'response'; readonly status: number; readonly body: string } | { readonly kind: 'error'; readonly code: string };

/** Sends one GET and never rejects. */
export type HttpGet = (target: HttpTarget, timeoutMs: number) => Promise<HttpAnswer>;

const hostPort = ({ host, port }: HttpTarget): string => `${host.includes(':') ? `[${host}]` : host}:${port}`;

/** `http://host:port/path` for a target (IPv6 hosts bracketed). */
export const targetUrl = (target: HttpTarget): string => `http://${hostPort(target)}${target.path}`;

function get(connect: { host: string; port: number }, requestTarget: string, hostHeader: string, timeoutMs: number): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    const req = request({ ...connect, path: requestTarget, method: 'GET', agent: false, headers: { host: hostHeader, 'user-agent': 'tinyproxy-charm-juju-suite' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 1_000_000) body += chunk;
      });
      res.on('end', () => resolve({ kind: 'response', status: res.statusCode ?? 0, body }));
      res.on('error', (error: NodeJS.ErrnoException) => resolve({ kind: 'error', code: error.code ?? error.message }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ kind: 'error', code: error.code ?? error.message }));
    req.end();
  });
}

/** GETs straight from this host to the unit (what the tutorial's curl does). */
export const directHttpGet: HttpGet = (target, timeoutMs) => get({ host: target.host, port: target.port }, target.path, hostPort(target), timeoutMs);

/** GETs through an HTTP forward proxy (absolute-form request line), e.g. a stand-in for the units. */
export function proxiedHttpGet(proxy: URL): HttpGet {
  const connect = { host: proxy.hostname.replace(/^\[|\]$/g, ''), port: Number(proxy.port || 80) };
  return (target, timeoutMs) => get(connect, targetUrl(target), hostPort(target), timeoutMs);
}

/** The text every copy of example.com's page carries. */
export const EXAMPLE_PAGE_MARKER = 'Example Domain';

const shown = (answer: HttpAnswer): string => (answer.kind === 'error' ? answer.code : `HTTP ${answer.status} ${JSON.stringify(answer.body.slice(0, 120))}`);

/** Why `answer` is not example.com's page via the proxy, or undefined if it is. */
export function notExamplePage(answer: HttpAnswer): string | undefined {
  if (answer.kind === 'response' && answer.status === 200 && answer.body.includes(EXAMPLE_PAGE_MARKER)) return undefined;
  return `expected HTTP 200 with example.com's page ("${EXAMPLE_PAGE_MARKER}"), got ${shown(answer)}`;
}

/**
 * Why `answer` does not show the path mapped to the upstream, or undefined if it does. With
 * internet that is example.com's page; without, tinyproxy forwards the request and the upstream
 * fails (5xx or no answer in time), which still differs from the immediate 400 of an unmapped path.
 */
export function notMapped(answer: HttpAnswer, egress: boolean): string | undefined {
  if (egress) return notExamplePage(answer);
  if (answer.kind === 'response' && answer.status !== 400) return undefined;
  if (answer.kind === 'error' && answer.code === 'TIMEOUT') return undefined;
  return `expected the request to be forwarded upstream (not tinyproxy's 400), got ${shown(answer)}`;
}

/** Why `answer` is not tinyproxy's 400 for an unmapped path, or undefined if it is. */
export function notBadRequest(answer: HttpAnswer): string | undefined {
  return answer.kind === 'response' && answer.status === 400 ? undefined : `expected HTTP 400 (no mapping for this path), got ${shown(answer)}`;
}

/** Why `answer` is not silence (something answered), or undefined if nothing answered. */
export function notSilent(answer: HttpAnswer): string | undefined {
  return answer.kind === 'error' ? undefined : `expected nothing to answer, got ${shown(answer)}`;
}
