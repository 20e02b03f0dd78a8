// tinyproxy's log in bare-daemon mode (issue 10): every reconciling hook rotates tinyproxy.log once
// it is over LOG_MAX_BYTES (1 MiB): its content goes to tinyproxy.log.1 (at most 1 MiB, replacing
// the older one), tinyproxy.log is truncated, and tinyproxy goes on writing to it from the start
// (no hole where its old offset was).
import { closeSync, lstatSync, openSync, readSync, writeFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { expectOk, expectRequestLogged } from '../checks.ts';
import { ACTIVE, LOG_FILE, LOG_MAX_BYTES, ROTATED_LOG_FILE } from '../machine.ts';
import { growLog } from '../out-of-band.ts';
import { BOUNDED, BOUNDED_TEST_MS, isolated, type SuiteContext, serving } from '../suite.ts';

const OLDER_ROTATION = 'an older rotation, to be replaced\n';

/** The first bytes of a file. */
function head(path: string, bytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    return buffer.subarray(0, readSync(fd, buffer, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}

export function registerLogFaults({ fixture, tally }: SuiteContext): void {
  it(
    'tinyproxy.log over 1 MiB: update-status moves it to tinyproxy.log.1 (at most 1 MiB, replacing the older one) and tinyproxy keeps logging to tinyproxy.log',
    () =>
      isolated(async () => {
        const f = fixture();
        await serving(f, 'example');
        writeFileSync(ROTATED_LOG_FILE, OLDER_ROTATION, { mode: 0o640 });
        growLog(LOG_MAX_BYTES + LOG_MAX_BYTES / 2);
        const done = tally.fault('tinyproxy.log over 1 MiB');
        const r = await f.hook('update-status', BOUNDED);
        expectOk(r, ACTIVE);
        const log = lstatSync(LOG_FILE);
        expect(log.isFile()).toBe(true);
        expect(log.size, `${LOG_FILE} size after the hook`).toBeLessThanOrEqual(LOG_MAX_BYTES);
        const rotated = lstatSync(ROTATED_LOG_FILE);
        expect(rotated.isFile()).toBe(true);
        expect(rotated.size, `${ROTATED_LOG_FILE} size`).toBeGreaterThan(OLDER_ROTATION.length);
        expect(rotated.size, `${ROTATED_LOG_FILE} size`).toBeLessThanOrEqual(LOG_MAX_BYTES);
        expect(head(ROTATED_LOG_FILE, OLDER_ROTATION.length).toString('latin1'), 'the older rotation was replaced').not.toBe(OLDER_ROTATION);
        await expectRequestLogged(f.net, 'example');
        const after = lstatSync(LOG_FILE).size;
        expect(after, `${LOG_FILE} size once tinyproxy wrote again: it appends at the new end, no hole at its old offset`).toBeLessThanOrEqual(LOG_MAX_BYTES);
        expect(head(LOG_FILE, 16).includes(0), `${LOG_FILE} starts with NUL bytes (a hole)`).toBe(false);
        done();
      }),
    BOUNDED_TEST_MS,
  );
}
