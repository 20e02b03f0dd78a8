import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileStateStore, INITIAL_STATE, STATE_FILE, updateState } from '../../../src/charm/unit-state.ts';

const charmDir = (): string => mkdtempSync(join(tmpdir(), 'unit-state-'));

/** A store over `dir` that records what it reports as damaged. */
const storeIn = (dir: string) => {
  const damaged: string[] = [];
  return { store: fileStateStore(dir, (problem) => damaged.push(problem)), damaged };
};

describe('unit state in the charm dir', () => {
  it('starts empty, saves, and reads back in the next hook', () => {
    const dir = charmDir();
    const first = storeIn(dir);
    expect(first.store.load()).toEqual(INITIAL_STATE);
    updateState(first.store, { shouldRun: true, openedPort: 8000 });
    expect(JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8'))).toEqual({ shouldRun: true, openedPort: 8000 });
    expect(storeIn(dir).store.load()).toEqual({ shouldRun: true, openedPort: 8000 });
    expect(first.damaged).toEqual([]);
  });

  it('clears a remembered port', () => {
    const { store } = storeIn(charmDir());
    updateState(store, { shouldRun: true, openedPort: 8000 });
    updateState(store, { openedPort: undefined });
    expect(store.load()).toEqual({ shouldRun: true });
  });

  const damages: [string, (path: string) => void][] = [
    ['garbage', (path) => writeFileSync(path, '\u0000\u0001not json')],
    ['empty', (path) => writeFileSync(path, '')],
    ['the wrong JSON', (path) => writeFileSync(path, '{"shouldRun":"yes"}')],
    ['a folder', (path) => mkdirSync(join(path, 'inside'), { recursive: true })],
    ['a FIFO', (path) => execFileSync('mkfifo', [path])],
    ['a link', (path) => symlinkSync('/etc/hostname', path)],
    ['too large', (path) => writeFileSync(path, `{"shouldRun":true,"pad":"${'x'.repeat(10_000)}"}`)],
  ];

  it.each(damages)('%s: remembers nothing, says so naming the file, and replaces it at once', (_kind, damage) => {
    const dir = charmDir();
    const path = join(dir, STATE_FILE);
    damage(path);
    const { store, damaged } = storeIn(dir);
    expect(store.load()).toEqual(INITIAL_STATE);
    expect(damaged).toHaveLength(1);
    expect(damaged[0]).toContain(path);
    expect(lstatSync(path).isFile()).toBe(true);
    const next = storeIn(dir);
    expect(next.store.load()).toEqual(INITIAL_STATE);
    expect(next.damaged).toEqual([]);
  });

  it('a folder left at the temp file name does not stop a save', () => {
    const dir = charmDir();
    mkdirSync(join(dir, `${STATE_FILE}.tmp`, 'x'), { recursive: true });
    const { store } = storeIn(dir);
    updateState(store, { shouldRun: true });
    expect(storeIn(dir).store.load()).toEqual({ shouldRun: true });
  });
});
