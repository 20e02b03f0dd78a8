import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `check` every `intervalMs` until it returns true or `timeoutMs` passes; returns the last result. */
export async function pollUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 10): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

/** Whether a TCP connection to host:port is accepted (closed at once). */
export function acceptsConnections(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** What the probe heard: the mapping, another answer (no mapping), or nothing at all in time. */
export type ProbeAnswer = 'maps' | 'other' | 'silent';

/**
 * Asks tinyproxy whether it maps `/<slug>/` now: it answers `GET /<slug>` itself with a 301 to
 * `/<slug>/` when the mapping exists (400 when not), without contacting the upstream.
 * Raw HTTP/1.0 over node:net keeps node:http out of every hook.
 */
export function probeMapping(port: number, slug: string, timeoutMs = 1000): Promise<ProbeAnswer> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let response = '';
    let answered = false;
    const done = (answer: ProbeAnswer) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done('silent'));
    socket.once('error', () => done(answered ? 'other' : 'silent'));
    socket.once('connect', () => socket.write(`GET /${slug} HTTP/1.0\r\nHost: localhost\r\n\r\n`));
    socket.on('data', (chunk: Buffer) => {
      answered = true;
      response += chunk.toString('latin1');
      const head = response.indexOf('\r\n\r\n');
      if (head < 0) return;
      const lines = response.slice(0, head).split('\r\n');
      const maps = /^HTTP\/1\.[01] 301 /.test(lines[0] ?? '') && lines.some((line) => line.toLowerCase() === `location: /${slug}/`);
      done(maps ? 'maps' : 'other');
    });
    socket.once('end', () => done(answered ? 'other' : 'silent'));
  });
}

/** Whether tinyproxy maps `/<slug>/` on `port` now. */
export const mapsPath = async (port: number, slug: string): Promise<boolean> => (await probeMapping(port, slug)) === 'maps';
