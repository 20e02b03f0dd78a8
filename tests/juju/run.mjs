#!/usr/bin/env node
// `npm run test:juju`: the Juju integration suite (tests/juju/*.juju.ts) with its own vitest
// config, or, with no `juju` on PATH, one line saying what is missing and exit 0.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));

/** Whether an executable `name` is on PATH. */
const onPath = (/** @type {string} */ name) =>
  (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    if (dir === '') return false;
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return statSync(path.join(dir, name)).isFile();
    } catch {
      return false;
    }
  });

if (!onPath('juju')) {
  console.log(
    'test:juju: skipped, no `juju` on PATH. It needs a Juju controller: `sudo snap install --classic concierge && sudo concierge prepare -p machine`, then `npm run pack && npm run test:juju`.',
  );
  process.exit(0);
}

const vitest = path.join(repo, 'node_modules', 'vitest', 'vitest.mjs');
const args = ['run', '--config', path.join(repo, 'tests', 'juju', 'vitest.config.ts'), ...process.argv.slice(2)];
const result = spawnSync(process.execPath, [vitest, ...args], { cwd: repo, stdio: 'inherit' });
if (result.error) throw result.error;
process.exit(result.status ?? 1);
