// Mutation testing (`npm run test:mutation`): how many deliberate bugs in the charm's logic the
// unit tests catch. Only tests/unit runs (vitest.stryker.config.ts): no root, no shared machine
// state, seconds. CI fails when the score drops below `thresholds.break`.
import { readFileSync } from 'node:fs';

/**
 * `file:start-end` for each named top-level declaration, so that only the pure functions of a
 * module that otherwise does I/O are mutated. A name not found is an error: a rename cannot
 * silently shrink what is measured.
 */
function declarations(file, names) {
  const lines = readFileSync(new URL(file, import.meta.url), 'utf8').split('\n');
  const topLevel = /^(export |const |let |function |async function |class |interface |type |\/\*\*|\/\/)/;
  return names.map((name) => {
    const start = lines.findIndex((line) => new RegExp(`^export (async )?(function|const) ${name}\\b`).test(line));
    if (start < 0) throw new Error(`stryker.config.mjs: ${file} declares no ${name}`);
    let end = start + 1;
    while (end < lines.length && !topLevel.test(lines[end])) end += 1;
    return `${file}:${start + 1}-${end}`;
  });
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts', related: false },
  coverageAnalysis: 'perTest',
  mutate: [
    'src/charm/**/*.ts',
    'src/juju/**/*.ts',
    // Workload modules whose logic the unit tests reach without root: rendering and parsing,
    // /proc (readable by anyone), and the serving check built on them.
    'src/workload/config-file.ts',
    'src/workload/unit-file.ts',
    'src/workload/os-release.ts',
    'src/workload/procfs.ts',
    'src/workload/listeners.ts',
    'src/workload/serving.ts',
    // apt and the tinyproxy binary need root: only their parsing is measured here.
    ...declarations('src/workload/apt.ts', ['packageSpec']),
    ...declarations('src/workload/tinyproxy.ts', ['parseVersion']),
  ],
  ignorePatterns: ['dist', '*.charm', 'reports'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  clearTextReporter: { allowEmojis: false, logTests: false },
  // Below `break` the run fails, and so does CI.
  thresholds: { high: 95, low: 90, break: 90 },
  tempDirName: '.stryker-tmp',
};
