import { execFileSync } from 'node:child_process';
import { closeSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOG_MAX_BYTES, logTail, openLogForAppend, rotateLog } from '../../../src/workload/log-file.ts';

const scratch = (): string => mkdtempSync(join(tmpdir(), 'log-file-'));

describe('log file', () => {
  it('rotates a log over the limit: its last bytes move to .1, the log is emptied in place', () => {
    const log = join(scratch(), 'tinyproxy.log');
    const fd = openLogForAppend(log);
    writeSync(fd, `${'a'.repeat(LOG_MAX_BYTES)}the end\n`);
    expect(rotateLog(log)).toBe(true);
    expect(statSync(log).size).toBe(0);
    const rotated = readFileSync(`${log}.1`, 'utf8');
    expect(rotated.length).toBe(LOG_MAX_BYTES);
    expect(rotated.endsWith('the end\n')).toBe(true);
    // The writer keeps its descriptor and appends at the new end.
    writeSync(fd, 'after\n');
    closeSync(fd);
    expect(readFileSync(log, 'utf8')).toBe('after\n');
  });

  it('leaves a log at or under the limit alone', () => {
    const log = join(scratch(), 'tinyproxy.log');
    writeFileSync(log, 'x'.repeat(LOG_MAX_BYTES));
    expect(rotateLog(log)).toBe(false);
    expect(statSync(log).size).toBe(LOG_MAX_BYTES);
  });

  it('never writes through a link planted at the log or at .1', () => {
    const dir = scratch();
    const canary = join(dir, 'canary');
    writeFileSync(canary, 'canary');
    const log = join(dir, 'tinyproxy.log');
    symlinkSync(canary, log);
    closeSync(openLogForAppend(log));
    expect(lstatSync(log).isFile()).toBe(true);
    writeFileSync(log, 'b'.repeat(LOG_MAX_BYTES + 1));
    symlinkSync(canary, `${log}.1`);
    expect(rotateLog(log)).toBe(true);
    expect(lstatSync(`${log}.1`).isFile()).toBe(true);
    expect(readFileSync(canary, 'utf8')).toBe('canary');
  });

  it('does not block on a FIFO or fail on a folder at the log path: replaces them', () => {
    const dir = scratch();
    const fifo = join(dir, 'fifo.log');
    execFileSync('mkfifo', [fifo]);
    expect(logTail(fifo)).toBe('');
    closeSync(openLogForAppend(fifo));
    expect(lstatSync(fifo).isFile()).toBe(true);
    const folder = join(dir, 'folder.log');
    mkdirSync(join(folder, 'inside'), { recursive: true });
    expect(rotateLog(folder)).toBe(false);
    closeSync(openLogForAppend(folder));
    expect(lstatSync(folder).isFile()).toBe(true);
  });

  it('tail: the last bytes only', () => {
    const log = join(scratch(), 'tinyproxy.log');
    writeFileSync(log, `${'z'.repeat(10_000)}\nlast line\n`);
    expect(logTail(log, 10)).toBe('last line\n');
  });
});
