// checkUpstream against what tinyproxy 1.11.1 does with the URL it is given (measured; see README, Configuration).
import { describe, expect, it } from 'vitest';
import { UPSTREAM_REASONS, unsupportedScheme } from '../../../src/charm/messages.ts';
import { checkUpstream } from '../../../src/charm/upstream.ts';

describe('checkUpstream: values tinyproxy reads as written are accepted, normalised', () => {
  it.each([
    ['http://backend:8080/base', 'http://backend:8080/base/'],
    ['http://backend:1/', 'http://backend:1/'],
    ['http://backend:65535/', 'http://backend:65535/'],
    ['http://backend:442/', 'http://backend:442/'],
    ['http://backend:444/', 'http://backend:444/'],
    ['http://backend:4430/', 'http://backend:4430/'],
    ['http://backend:8443/', 'http://backend:8443/'],
    // Leading zeros and :80 are dropped by the URL parser; tinyproxy then reads the port (or its default 80) right.
    ['http://127.0.0.1:018200/lead', 'http://127.0.0.1:18200/lead/'],
    ['http://backend:080/', 'http://backend/'],
    ['http://backend:80/p', 'http://backend/p/'],
    ['http://backend:/p', 'http://backend/p/'],
    // IPv6 literals: tinyproxy strips the brackets, keeps the port, and sends `Host: [::1]:18201`.
    ['http://[::1]:18201/v6', 'http://[::1]:18201/v6/'],
    ['http://[::1]/', 'http://[::1]/'],
    ['http://[0:0:0:0:0:0:0:1]:18201/', 'http://[::1]:18201/'],
    ['http://[::ffff:127.0.0.1]:18200/m', 'http://[::ffff:7f00:1]:18200/m/'],
    // Other IPv4 spellings become dotted quads; tinyproxy connects to those.
    ['http://127.1:18200/', 'http://127.0.0.1:18200/'],
    ['http://0x7f.0.0.1:18200/', 'http://127.0.0.1:18200/'],
    ['http://LOCALHOST:18200/UP', 'http://localhost:18200/UP/'],
    ['http://localhost.:18200/', 'http://localhost.:18200/'],
    // Paths go to the upstream byte for byte: `:`, `@`, `%`, `//` and brackets in them are not split on.
    ['http://h:18200/a:b@c/', 'http://h:18200/a:b@c/'],
    ['http://h/%41%zz%2F%00/', 'http://h/%41%zz%2F%00/'],
    ['http://h/a]b[c', 'http://h/a]b[c/'],
    ['http://h//x', 'http://h//x/'],
    ['http://h/http://evil/', 'http://h/http://evil/'],
    ['http://h/{x}`', 'http://h/%7Bx%7D%60/'],
    ['http://h', 'http://h/'],
  ])('%j -> %j', (value, url) => {
    expect(checkUpstream(value)).toEqual({ ok: true, url });
  });
});

describe('checkUpstream: what is not plain http to a host is refused', () => {
  it.each([
    ['http://user@h/', UPSTREAM_REASONS.credentials],
    ['http://:pw@h/', UPSTREAM_REASONS.credentials],
    ['http://h/#x', UPSTREAM_REASONS.queryOrFragment],
    ['http://h/?', UPSTREAM_REASONS.queryOrFragment],
    ['http://h/#', UPSTREAM_REASONS.queryOrFragment],
    ['http:h/', UPSTREAM_REASONS.noHost],
    ['http:/h/', UPSTREAM_REASONS.noHost],
    ['gopher://h/', unsupportedScheme('gopher')],
  ])('%j: %s', (value, reason) => {
    expect(checkUpstream(value)).toEqual({ ok: false, reason });
  });
});

describe('checkUpstream: values tinyproxy would misread are refused', () => {
  it.each([
    // tinyproxy's strip_return_port returns 0 for `:0`, which extract_url takes as "no port": it connects to 80.
    'http://127.0.0.1:0/',
    'http://backend:0/base',
    'http://backend:00/',
    'http://[::1]:0/',
  ])('%j: port 0', (value) => {
    expect(checkUpstream(value)).toEqual({ ok: false, reason: UPSTREAM_REASONS.portZero });
  });

  it.each([
    // establish_http_connection writes the port into Host only when it is neither 80 nor 443: the upstream
    // on 443 gets `Host: backend`, which means port 80 (measured: listener 127.0.0.1:443, host=127.0.0.1).
    'http://backend:443/',
    'http://backend:0443/base',
    'http://[::1]:443/',
  ])('%j: port 443', (value) => {
    expect(checkUpstream(value)).toEqual({ ok: false, reason: UPSTREAM_REASONS.port443 });
  });
});
