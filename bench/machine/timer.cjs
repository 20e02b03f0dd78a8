// Runs inside the booted machine (with the machine's own node): times, interleaved, a bare
// `node -e 0`, update-status started from the snapshot, the snapshot's start alone (dispatch's
// check mode: no hook) and update-status without the snapshot, `runs` times each after 3 warm-up
// rounds. With an official node (argv[5], optional) it then times, in a copy of the charm dir that
// ships it as bin/node, that node's bare start and update-status with a user start-up snapshot
// (what dispatch does) and with Node's own (dispatch's verdict `off`: one stat more). argv: <charm dir> <runs> <env.json> [official node].
// Prints JSON {name: [ms, ...]}.
'use strict';
const { spawnSync } = require('node:child_process');
const { copyFileSync, readFileSync, writeFileSync } = require('node:fs');
const [charmDir, runsText, envFile, officialNode] = process.argv.slice(2);
const runs = Number(runsText);
const env = JSON.parse(readFileSync(envFile, 'utf8'));
const run = (file, args, options) => spawnSync(file, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...options });
const identity = (files) => run('stat', ['-L', '--printf', '%d:%i:%s:%.9Y:%.9Z;', '--', ...files], {}).stdout;
const time = (file, args, options) => {
  const start = process.hrtime.bigint();
  const r = run(file, args, options);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0 || (options.cwd && r.stderr.length > 0)) throw new Error(`${file} exited ${r.status}: ${r.stderr}`);
  return ms;
};
const startedFrom = (dir) => readFileSync(`${dir}/.runtime/started`, 'utf8').trim();
/** Times each of `rows` (name -> () => ms) interleaved. */
const interleave = (rows) => {
  const out = Object.fromEntries(Object.keys(rows).map((name) => [name, []]));
  for (let i = 0; i < runs + 3; i += 1) {
    for (const [name, row] of Object.entries(rows)) {
      const ms = row();
      if (i >= 3) out[name].push(ms);
    }
  }
  return out;
};

/** The state files of a snapshot in use and of the verdict `off` (same identity, no blob) in `dir`. */
const verdicts = (dir, node) => {
  const stateFile = `${dir}/.runtime/snapshot.state`;
  const [verdict, lib, stamp] = readFileSync(stateFile, 'utf8').split('\n');
  const files = [node, ...(lib.startsWith('/') ? [lib] : []), `${dir}/dist/charm.cjs`];
  const off = `off: disabled by the bench\n${lib}\n${identity(files)}\n`;
  const use = verdict === 'use' ? `use\n${lib}\n${stamp}\n` : `use\n${lib}\n${identity([...files, `${dir}/.runtime/snapshot.blob`])}\n`;
  return { stateFile, verdict, off, use };
};

const node = `${charmDir}/.runtime/node`;
const debian = verdicts(charmDir, node);
if (debian.verdict !== 'use') throw new Error(`the snapshot is not in use: ${debian.verdict}`);
const hook =
  (dir, state, hookEnv = env) =>
  () => {
    writeFileSync(`${dir}/.runtime/snapshot.state`, state);
    return time(`${dir}/dispatch`, [], { cwd: dir, env: hookEnv });
  };
const out = interleave({
  bare: () => time(node, ['-e', '0'], { env: { PATH: env.PATH } }),
  snapshot: () => {
    const ms = hook(charmDir, debian.use)();
    if (startedFrom(charmDir) !== 'snapshot') throw new Error('update-status did not start from the snapshot');
    return ms;
  },
  snapshotStart: () => time(node, ['--snapshot-blob', `${charmDir}/.runtime/snapshot.blob`, `${charmDir}/dist/charm.cjs`], { env: { PATH: env.PATH, TINYPROXY_CHARM_SNAPSHOT_CHECK: '1' } }),
  plain: hook(charmDir, debian.off),
});
writeFileSync(debian.stateFile, debian.use);

if (officialNode) {
  // A copy of the charm that ships the official node as bin/node (dispatch prefers it).
  const dir = '/tmp/charm-official';
  run('rm', ['-rf', dir], {});
  if (run('cp', ['-a', charmDir, dir], {}).status !== 0) throw new Error('cp failed');
  run('rm', ['-rf', `${dir}/.runtime`], {});
  run('mkdir', ['-p', `${dir}/bin`], {});
  copyFileSync(officialNode, `${dir}/bin/node`);
  run('chmod', ['0755', `${dir}/bin/node`], {});
  const officialEnv = { ...env, JUJU_CHARM_DIR: dir };
  time(`${dir}/dispatch`, [], { cwd: dir, env: officialEnv });
  const own = verdicts(dir, `${dir}/bin/node`);
  if (own.verdict !== 'use') throw new Error(`official node: verdict ${own.verdict}`);
  Object.assign(
    out,
    Object.fromEntries(
      Object.entries(
        interleave({
          bare: () => time(`${dir}/bin/node`, ['-e', '0'], { env: { PATH: env.PATH } }),
          builtin: hook(dir, own.off, officialEnv),
          user: () => {
            const ms = hook(dir, own.use, officialEnv)();
            if (startedFrom(dir) !== 'snapshot') throw new Error('official node: update-status did not start from the user snapshot');
            return ms;
          },
        }),
      ).map(([name, xs]) => [`official.${name}`, xs]),
    ),
  );
  out.officialVersion = run(`${dir}/bin/node`, ['--version'], {}).stdout.trim();
  run('rm', ['-rf', dir], {});
}
process.stdout.write(`${JSON.stringify(out)}\n`);
