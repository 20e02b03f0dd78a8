// Runs inside the booted machine (with the machine's own node): times, interleaved, a bare
// `node -e 0`, update-status started from the snapshot and update-status without it, `runs` times
// each after 3 warm-up rounds. argv: <charm dir> <runs> <env.json>. Prints JSON {bare, snapshot, plain} in ms.
'use strict';
const { spawnSync } = require('node:child_process');
const { readFileSync, writeFileSync } = require('node:fs');
const [charmDir, runsText, envFile] = process.argv.slice(2);
const runs = Number(runsText);
const env = JSON.parse(readFileSync(envFile, 'utf8'));
const stateFile = `${charmDir}/.runtime/snapshot.state`;
const withSnapshot = readFileSync(stateFile, 'utf8');
const [verdict, lib] = withSnapshot.split('\n');
if (verdict !== 'ok') throw new Error(`the snapshot is not in use: ${verdict}`);
// The verdict dispatch would reach for a node that cannot build one: same identity, no blob.
const files = [`${charmDir}/.runtime/node`, ...(lib.startsWith('/') ? [lib] : []), `${charmDir}/dist/charm.cjs`];
const identity = spawnSync('stat', ['-L', '--printf', '%d:%i:%s:%.9Y:%.9Z;', '--', ...files], { encoding: 'utf8' }).stdout;
const withoutSnapshot = `off: disabled by the bench\n${lib}\n${identity}\n`;
const time = (file, args, options) => {
  const start = process.hrtime.bigint();
  const r = spawnSync(file, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0 || (options.cwd && r.stderr.length > 0)) throw new Error(`${file} exited ${r.status}: ${r.stderr}`);
  return ms;
};
const out = { bare: [], snapshot: [], plain: [] };
const node = `${charmDir}/.runtime/node`;
for (let i = 0; i < runs + 3; i += 1) {
  const bare = time(node, ['-e', '0'], { env: { PATH: env.PATH } });
  writeFileSync(stateFile, withSnapshot);
  const snapshot = time(`${charmDir}/dispatch`, [], { cwd: charmDir, env });
  if (readFileSync(`${charmDir}/.runtime/started`, 'utf8').trim() !== 'snapshot') throw new Error('update-status did not start from the snapshot');
  writeFileSync(stateFile, withoutSnapshot);
  const plain = time(`${charmDir}/dispatch`, [], { cwd: charmDir, env });
  if (i >= 3) {
    out.bare.push(bare);
    out.snapshot.push(snapshot);
    out.plain.push(plain);
  }
}
writeFileSync(stateFile, withSnapshot);
process.stdout.write(`${JSON.stringify(out)}\n`);
