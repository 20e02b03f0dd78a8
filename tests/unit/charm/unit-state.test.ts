import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileStateStore, INITIAL_STATE, STATE_FILE, type UnitState, type UnitStateStore, updateState } from '../../../src/charm/unit-state.ts';
import { memoryStateStore } from '../../fakes/memory-state-store.ts';

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
    // A unit that remembers nothing does not start tinyproxy on its own.
    expect(first.store.load()).toEqual({ shouldRun: false });
    updateState(first.store, { shouldRun: true, openedPort: 8000 });
    expect(JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8'))).toEqual({ shouldRun: true, openedPort: 8000 });
    expect(storeIn(dir).store.load()).toEqual({ shouldRun: true, openedPort: 8000 });
    expect(first.damaged).toEqual([]);
  });

  it('clears a remembered port', () => {
    const { store } = storeIn(charmDir());
    updateState(store, { shouldRun: true, openedPort: 8000 });
    updateState(store, { openedPort: undefined });
    expect(store.load()).toStrictEqual({ shouldRun: true });
  });

  it('reads the file once per hook', () => {
    const dir = charmDir();
    const { store } = storeIn(dir);
    expect(store.load()).toEqual({ shouldRun: false });
    writeFileSync(join(dir, STATE_FILE), '{"shouldRun":true}');
    expect(store.load()).toEqual({ shouldRun: false });
    expect(storeIn(dir).store.load()).toEqual({ shouldRun: true });
  });

  it('keeps a port only if it is an integer', () => {
    const dir = charmDir();
    writeFileSync(join(dir, STATE_FILE), '{"shouldRun":true,"openedPort":"8000"}');
    expect(storeIn(dir).store.load()).toStrictEqual({ shouldRun: true });
  });

  const damages: [string, (path: string) => void][] = [
    ['garbage', (path) => writeFileSync(path, '\u0000\u0001not json')],
    ['empty', (path) => writeFileSync(path, '')],
    ['the wrong JSON', (path) => writeFileSync(path, '{"shouldRun":"yes"}')],
    ['null', (path) => writeFileSync(path, 'null')],
    ['a list', (path) => writeFileSync(path, '[true]')],
    ['a number', (path) => writeFileSync(path, '1')],
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
    expect(damaged[0]).toMatch(new RegExp(`^${path} is damaged \\(.+\\): starting from an empty unit state$`));
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

describe('unit state: what a damaged file is reported as', () => {
  it.each([
    ['garbage', (path: string) => writeFileSync(path, 'not json'), 'not the JSON the charm writes'],
    ['the wrong JSON', (path: string) => writeFileSync(path, '{}'), 'not the JSON the charm writes'],
    ['a folder', (path: string) => mkdirSync(path), 'it is a directory'],
    ['a link', (path: string) => symlinkSync('/etc/hostname', path), 'it is a symbolic link'],
  ])('%s: %s', (_kind, damage, reason) => {
    const dir = charmDir();
    damage(join(dir, STATE_FILE));
    const { store, damaged } = storeIn(dir);
    store.load();
    expect(damaged).toEqual([`${join(dir, STATE_FILE)} is damaged (${reason}): starting from an empty unit state`]);
  });
});

describe('updateState', () => {
  /** A store that counts its writes. */
  const counting = (initial: UnitState): UnitStateStore & { writes: UnitState[] } => {
    const memory = memoryStateStore(initial);
    const writes: UnitState[] = [];
    return {
      writes,
      load: memory.load,
      save: (state) => {
        writes.push(state);
        memory.save(state);
      },
    };
  };

  it('writes only when something changes', () => {
    const store = counting({ shouldRun: true, openedPort: 8000 });
    updateState(store, { shouldRun: true });
    updateState(store, { openedPort: 8000 });
    updateState(store, {});
    expect(store.writes).toEqual([]);
    updateState(store, { shouldRun: false });
    expect(store.writes).toStrictEqual([{ shouldRun: false, openedPort: 8000 }]);
  });

  it('a cleared port leaves no key behind', () => {
    const store = counting({ shouldRun: true, openedPort: 8000 });
    updateState(store, { openedPort: undefined });
    expect(store.writes).toStrictEqual([{ shouldRun: true }]);
  });

  it('the memory store starts from the initial state unless told', () => {
    expect(memoryStateStore().load()).toBe(INITIAL_STATE);
  });
});
