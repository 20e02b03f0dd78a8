// dispatch: runs the real script (with /bin/sh) in a temp charm dir, with a stub bundle and fake tools.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { identity } from '../../src/snapshot.ts';
import { inCI } from '../../testkit/prereq.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const DISPATCH = path.join(repo, 'dispatch');
const REAL_NODE = process.execPath;

// The stub bundle reports how it was started, then exits with $STUB_EXIT.
const STUB = `
console.log(JSON.stringify({
  stub: true,
  via: process.env.VIA ?? null,
  cwd: process.cwd(),
  args: process.argv.slice(2),
  nodeOptions: process.env.NODE_OPTIONS ?? null,
  extraCaCerts: process.env.NODE_EXTRA_CA_CERTS ?? null,
  dispatchPath: process.env.JUJU_DISPATCH_PATH ?? null,
}));
process.exit(Number(process.env.STUB_EXIT ?? 0));
`;

interface StubReport {
  stub: true;
  via: string | null;
  cwd: string;
  args: string[];
  nodeOptions: string | null;
  extraCaCerts: string | null;
  dispatchPath: string | null;
}

interface Sandbox {
  /** Temp root: holds charm/, bin/ (the only PATH entry) and logs. */
  dir: string;
  charm: string;
  bin: string;
}

interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  report: StubReport | undefined;
}

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function sandbox(): Sandbox {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'dispatch-test-')));
  temps.push(dir);
  const charm = path.join(dir, 'charm');
  const bin = path.join(dir, 'bin');
  mkdirSync(path.join(charm, 'dist'), { recursive: true });
  mkdirSync(bin);
  copyFileSync(DISPATCH, path.join(charm, 'dispatch'));
  chmodSync(path.join(charm, 'dispatch'), 0o755);
  writeFileSync(path.join(charm, 'dist/charm.cjs'), STUB);
  return { dir, charm, bin };
}

function script(file: string, body: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
}

/** A `node` that answers --version with `version` and otherwise runs the real node with VIA=<via>. */
function fakeNode(file: string, version: string, via: string): void {
  script(file, `[ "$1" = --version ] && { echo '${version}'; exit 0; }\nVIA=${via} exec '${REAL_NODE}' "$@"`);
}

/** A fake apt-get that logs its argv to apt.log; `onInstall` is shell run for `install`. */
function fakeAptGet(box: Sandbox, onInstall = 'exit 0', onUpdate = 'exit 0'): string {
  const log = path.join(box.dir, 'apt.log');
  script(path.join(box.bin, 'apt-get'), `echo "$*" >> '${log}'\ncase " $* " in *" install "*) ${onInstall} ;; *" update "*) ${onUpdate} ;; esac`);
  return log;
}

/** Run charm/dispatch with a minimal, explicit environment (PATH = bin/ only). */
function run(box: Sandbox, opts: { env?: Record<string, string>; cwd?: string; command?: string } = {}): RunResult {
  const env: Record<string, string> = {
    PATH: box.bin,
    JUJU_CHARM_DIR: box.charm,
    JUJU_DISPATCH_PATH: 'hooks/install',
    JUJU_HOOK_NAME: 'install',
    JUJU_UNIT_NAME: 'tinyproxy/0',
    ...opts.env,
  };
  const r = spawnSync(opts.command ?? path.join(box.charm, 'dispatch'), [], {
    env,
    cwd: opts.cwd ?? box.charm,
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (r.error) throw r.error;
  const line = r.stdout.split('\n').find((l) => l.startsWith('{"stub":true'));
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, report: line ? (JSON.parse(line) as StubReport) : undefined };
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

describe('dispatch script', () => {
  it('is executable, valid POSIX sh and starts with #!/bin/sh', () => {
    expect(statSync(DISPATCH).mode & 0o111).toBe(0o111);
    expect(readFileSync(DISPATCH, 'utf8').startsWith('#!/bin/sh\n')).toBe(true);
    const r = spawnSync('/bin/sh', ['-n', DISPATCH], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  // Outside CI the lint runs where shellcheck is installed; in CI (.ci/run installs it) it always runs.
  const shellcheck = inCI() || spawnSync('shellcheck', ['--version']).status === 0;
  it.skipIf(!shellcheck)('passes shellcheck', () => {
    const r = spawnSync('shellcheck', ['-s', 'sh', DISPATCH], { encoding: 'utf8' });
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('dispatch runs dist/charm.cjs', () => {
  it.each([0, 1, 7, 42])('passes exit code %i through', (code) => {
    const box = sandbox();
    symlinkSync(REAL_NODE, path.join(box.bin, 'node'));
    const r = run(box, { env: { STUB_EXIT: String(code) } });
    expect(r.report).toMatchObject({ stub: true, args: [], dispatchPath: 'hooks/install' });
    expect(r.status).toBe(code);
    expect(r.stderr).toBe('');
  });

  it('prefers the charm’s own bin/node over node on PATH', () => {
    const box = sandbox();
    script(path.join(box.charm, 'bin/node'), `VIA=charm-bin exec '${REAL_NODE}' "$@"`);
    fakeNode(path.join(box.bin, 'node'), 'v22.1.0', 'path');
    expect(run(box).report?.via).toBe('charm-bin');
  });

  it('ignores a bin/node that is not executable', () => {
    const box = sandbox();
    script(path.join(box.charm, 'bin/node'), 'exit 99');
    chmodSync(path.join(box.charm, 'bin/node'), 0o644);
    fakeNode(path.join(box.bin, 'node'), 'v20.11.1', 'path');
    const r = run(box);
    expect(r.report?.via).toBe('path');
    expect(r.status).toBe(0);
  });

  it('remembers the verified runtime, so later hooks start no extra Node to ask its version', () => {
    const box = sandbox();
    for (const tool of ['mkdir', 'ln', 'rm']) symlinkSync(`/bin/${tool}`, path.join(box.bin, tool));
    const asked = path.join(box.dir, 'asked.log');
    script(path.join(box.bin, 'node'), `[ "$1" = --version ] && { echo x >> '${asked}'; echo v20.11.1; exit 0; }\nVIA=path exec '${REAL_NODE}' "$@"`);
    expect(run(box).report?.via).toBe('path');
    expect(run(box).report?.via).toBe('path');
    expect(lines(readFileSync(asked, 'utf8'))).toHaveLength(1);
    expect(realpathSync(path.join(box.charm, '.runtime/node'))).toBe(path.join(box.bin, 'node'));
    // A remembered runtime that disappeared is found again.
    rmSync(path.join(box.bin, 'node'));
    fakeNode(path.join(box.bin, 'nodejs'), 'v18.19.1', 'nodejs');
    expect(run(box).report?.via).toBe('nodejs');
  });

  it.each([
    ['an executable regular file (it would run as an empty shell script)', (charm: string) => script(path.join(charm, '.runtime/node'), 'exit 0')],
    ['a folder', (charm: string) => mkdirSync(path.join(charm, '.runtime/node/x'), { recursive: true })],
    [
      'a dangling link',
      (charm: string) => {
        mkdirSync(path.join(charm, '.runtime'), { recursive: true });
        symlinkSync('/nonexistent/node', path.join(charm, '.runtime/node'));
      },
    ],
    [
      'a link to a folder',
      (charm: string) => {
        mkdirSync(path.join(charm, '.runtime'), { recursive: true });
        symlinkSync('/usr', path.join(charm, '.runtime/node'));
      },
    ],
    ['.runtime itself a file', (charm: string) => writeFileSync(path.join(charm, '.runtime'), 'garbage')],
  ])('a damaged remembered runtime (%s) is never run, and is replaced by a verified one', (_kind, damage) => {
    const box = sandbox();
    for (const tool of ['mkdir', 'ln', 'rm']) symlinkSync(`/bin/${tool}`, path.join(box.bin, tool));
    damage(box.charm);
    fakeNode(path.join(box.bin, 'node'), 'v20.11.1', 'path');
    const first = run(box);
    expect(first.report?.via).toBe('path');
    expect(first.status).toBe(0);
    expect(lstatSync(path.join(box.charm, '.runtime/node')).isSymbolicLink()).toBe(true);
    expect(realpathSync(path.join(box.charm, '.runtime/node'))).toBe(path.join(box.bin, 'node'));
    expect(run(box).report?.via).toBe('path');
  });

  it('falls back to `nodejs` on PATH', () => {
    const box = sandbox();
    fakeNode(path.join(box.bin, 'nodejs'), 'v18.19.1', 'nodejs');
    expect(run(box).report?.via).toBe('nodejs');
  });

  it.each([
    ['v18.19.0', true],
    ['v18.19.1', true],
    ['v20.0.0', true],
    ['v100.0.0', true],
    ['v18.18.2', false],
    ['v16.20.2', false],
    ['v9.11.2', false], // "9" > "1" as text: the comparison must be numeric
    ['v18', false],
    ['garbage', false],
  ])('node on PATH reporting %s is used: %s', (version, usable) => {
    const box = sandbox();
    fakeNode(path.join(box.bin, 'node'), version, 'path');
    const aptLog = fakeAptGet(box);
    const r = run(box);
    if (usable) {
      expect(r.report?.via).toBe('path');
      expect(r.status).toBe(0);
      expect(existsSync(aptLog)).toBe(false);
    } else {
      expect(r.report).toBeUndefined();
      expect(r.status).toBe(1);
      expect(readFileSync(aptLog, 'utf8')).toMatch(/install/);
    }
  });

  it('does not pass NODE_OPTIONS or NODE_EXTRA_CA_CERTS to the charm', () => {
    const box = sandbox();
    symlinkSync(REAL_NODE, path.join(box.bin, 'node'));
    // If inherited, --require of a missing file would make node fail before the bundle runs.
    const r = run(box, {
      env: { NODE_OPTIONS: `--require ${box.dir}/missing.cjs`, NODE_EXTRA_CA_CERTS: `${box.dir}/missing.pem` },
    });
    expect(r.status).toBe(0);
    expect(r.report).toMatchObject({ nodeOptions: null, extraCaCerts: null });
  });
});

describe('dispatch working directory', () => {
  it('runs the charm in JUJU_CHARM_DIR even when started elsewhere', () => {
    const box = sandbox();
    symlinkSync(REAL_NODE, path.join(box.bin, 'node'));
    const r = run(box, { cwd: box.dir });
    expect(r.report?.cwd).toBe(box.charm);
  });

  it('without JUJU_CHARM_DIR uses the directory dispatch lives in', () => {
    const box = sandbox();
    symlinkSync(REAL_NODE, path.join(box.bin, 'node'));
    const env = { JUJU_CHARM_DIR: '' };
    expect(run(box, { cwd: box.dir, env }).report?.cwd).toBe(box.charm);
    expect(run(box, { cwd: box.charm, env, command: './dispatch' }).report?.cwd).toBe(box.charm);
  });

  it('fails if JUJU_CHARM_DIR does not exist', () => {
    const box = sandbox();
    symlinkSync(REAL_NODE, path.join(box.bin, 'node'));
    const r = run(box, { env: { JUJU_CHARM_DIR: path.join(box.dir, 'nope') } });
    expect(r.status).not.toBe(0);
    expect(r.report).toBeUndefined();
  });
});

describe('dispatch without a usable node', () => {
  it('rejects node v16, tries apt-get install nodejs, and fails with one clear line', () => {
    const box = sandbox();
    fakeNode(path.join(box.bin, 'node'), 'v16.20.2', 'v16');
    const aptLog = fakeAptGet(box); // "succeeds" but installs nothing
    const jujuLog = path.join(box.dir, 'juju-log.log');
    script(path.join(box.bin, 'juju-log'), `echo "$*" >> '${jujuLog}'`);

    const r = run(box);
    expect(r.status).toBe(1);
    expect(r.report).toBeUndefined();

    const calls = lines(readFileSync(aptLog, 'utf8'));
    const installs = calls.filter((c) => / install /.test(` ${c} `));
    expect(installs.length).toBeGreaterThan(0);
    for (const call of calls) expect(call).toMatch(/^-o DPkg::Lock::Timeout=\d+ -y /);
    expect(installs[0]).toMatch(/ nodejs$/);

    const err = lines(r.stderr);
    const fatal = err.filter((l) => /cannot run the charm/.test(l));
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatch(/Node\.js >= 18\.19/);
    expect(fatal[0]).toMatch(/v16\.20\.2/);
    expect(err.some((l) => /installing the nodejs package/.test(l))).toBe(true);

    const logged = lines(readFileSync(jujuLog, 'utf8'));
    expect(logged[0]).toMatch(/^--log-level INFO -- no Node\.js >= 18\.19 found/);
    expect(logged.at(-1)).toMatch(/^--log-level ERROR -- cannot run the charm/);
  });

  it('runs the charm with the node that apt-get installed', () => {
    const box = sandbox();
    const installed = path.join(box.dir, 'installed-node');
    fakeNode(installed, 'v18.19.1', 'apt');
    const aptLog = fakeAptGet(box, `/bin/ln -s '${installed}' '${box.bin}/node'`);
    const r = run(box, { env: { STUB_EXIT: '3' } });
    expect(r.report?.via).toBe('apt');
    expect(r.status).toBe(3);
    expect(readFileSync(aptLog, 'utf8')).toMatch(/install --no-install-recommends nodejs/);
    expect(r.stderr).toMatch(/installed Node\.js: .*v18\.19\.1/);
    expect(r.stderr).not.toMatch(/not found/); // missing juju-log is silent
  });

  it('runs apt-get update and retries when the first install fails', () => {
    const box = sandbox();
    const installed = path.join(box.dir, 'installed-node');
    fakeNode(installed, 'v18.19.1', 'apt');
    const marker = path.join(box.dir, 'updated');
    const aptLog = fakeAptGet(box, `[ -e '${marker}' ] || exit 100; /bin/ln -s '${installed}' '${box.bin}/node'`, `: > '${marker}'`);
    const r = run(box);
    expect(r.report?.via).toBe('apt');
    const verbs = lines(readFileSync(aptLog, 'utf8')).map((c) => (/ install /.test(` ${c} `) ? 'install' : 'update'));
    expect(verbs.slice(-3)).toEqual(['install', 'update', 'install']);
  });
});

describe('dispatch start-up snapshot', () => {
  /**
   * A node 18.20 without a built-in snapshot, faked: `--build-snapshot` writes "good" to the blob
   * (or fails with FAKE_BUILD=fail); a start from a blob that holds anything else aborts (exit
   * 134) before the charm; a start from a good blob answers dispatch's check, or (as the charm
   * does, see src/snapshot.ts) exits 75 if the snapshot's inputs changed, or marks
   * $TINYPROXY_CHARM_STARTED and runs the stub with VIA=snapshot. Every start is logged to node.log.
   */
  function snapshotBox(): { box: Sandbox; nodeLog: string; jujuLog: string; state: string; blob: string; libnode: string } {
    const box = sandbox();
    for (const tool of ['mkdir', 'ln', 'rm', 'mv', 'stat', 'timeout', 'cat']) symlinkSync(`/usr/bin/${tool}`, path.join(box.bin, tool));
    const nodeLog = path.join(box.dir, 'node.log');
    const jujuLog = path.join(box.dir, 'juju-log.log');
    const libnode = path.join(box.dir, 'libnode.so.108');
    writeFileSync(libnode, 'lib');
    script(path.join(box.bin, 'juju-log'), `echo "$*" >> '${jujuLog}'`);
    script(
      path.join(box.bin, 'node'),
      `log='${nodeLog}'
[ "$1" = --version ] && { echo v18.20.4; exit 0; }
if [ "$1" = --snapshot-blob ]; then
  blob=$2; shift 2
  if [ "$1" = --build-snapshot ]; then
    echo build >> "$log"
    [ "\${FAKE_BUILD:-}" = fail ] && { echo 'build failed' >&2; exit 1; }
    printf good > "$blob"; exit 0
  fi
  [ "$(cat "$blob")" = good ] || { echo abort >> "$log"; exit 134; }
  if [ -n "\${TINYPROXY_CHARM_SNAPSHOT_CHECK:-}" ]; then
    echo check >> "$log"
    echo "tinyproxy-charm-start snapshot v18.20.4 \${FAKE_BUILTIN:-no-builtin-snapshot} ${libnode}"; exit 0
  fi
  if [ -n "\${TINYPROXY_CHARM_SNAPSHOT_INPUTS:-}" ]; then
    id=$(IFS='
'; set -f; /usr/bin/stat -L --printf '%d:%i:%s:%.9Y:%.9Z;' -- $TINYPROXY_CHARM_SNAPSHOT_INPUTS 2>/dev/null)
    [ "$id" = "$TINYPROXY_CHARM_SNAPSHOT_STAMP" ] || { echo stale >> "$log"; exit 75; }
  fi
  echo run-snapshot >> "$log"
  printf snapshot > "$TINYPROXY_CHARM_STARTED"
  VIA=snapshot exec '${REAL_NODE}' "$@"
fi
echo run-plain >> "$log"
VIA=plain exec '${REAL_NODE}' "$@"`,
    );
    const rt = path.join(box.charm, '.runtime');
    return { box, nodeLog, jujuLog, libnode, state: path.join(rt, 'snapshot.state'), blob: path.join(rt, 'snapshot.blob') };
  }
  const starts = (file: string): string[] => (existsSync(file) ? lines(readFileSync(file, 'utf8')) : []);
  const logged = (file: string): string[] => starts(file);
  /** Gives a file a new ctime (as a reinstall or any write would). */
  const touch = (file: string): void => {
    const data = readFileSync(file);
    const mode = statSync(file).mode;
    rmSync(file);
    writeFileSync(file, data, { mode });
  };

  it('builds, checks and uses a snapshot; later hooks start from it with no rebuild and nothing on stderr', () => {
    const { box, nodeLog, jujuLog, state, libnode } = snapshotBox();
    const first = run(box);
    expect(first.report?.via).toBe('snapshot');
    expect(first.stderr).toBe('');
    expect(starts(nodeLog)).toEqual(['build', 'check', 'run-snapshot']);
    const [verdict, lib] = lines(readFileSync(state, 'utf8'));
    expect(verdict).toBe('use');
    expect(lib).toBe(libnode);
    expect(readFileSync(path.join(box.charm, '.runtime/started'), 'utf8')).toBe('snapshot');
    for (let i = 0; i < 2; i += 1) {
      const r = run(box, { env: { STUB_EXIT: '5' } });
      expect(r.report?.via).toBe('snapshot');
      expect(r.status).toBe(5); // a hook that fails after the charm started is not run again
      expect(r.stderr).toBe('');
    }
    expect(starts(nodeLog).filter((s) => s === 'build')).toHaveLength(1);
    expect(starts(nodeLog).filter((s) => s.startsWith('run'))).toHaveLength(3);
    expect(logged(jujuLog)).toEqual([expect.stringMatching(/^--log-level INFO -- start-up snapshot built for node v18\.20\.4 \(no snapshot yet\)/)]);
  });

  it.each([
    ['the node binary', 'stale', (b: ReturnType<typeof snapshotBox>) => touch(path.join(b.box.bin, 'node'))],
    ['libnode', 'stale', (b: ReturnType<typeof snapshotBox>) => touch(b.libnode)],
    ['the bundle (upgrade-charm)', 'stale', (b: ReturnType<typeof snapshotBox>) => writeFileSync(path.join(b.box.charm, 'dist/charm.cjs'), `${STUB}\n// v2\n`)],
    ['the blob (damaged)', 'abort', (b: ReturnType<typeof snapshotBox>) => writeFileSync(b.blob, 'goo')],
    ['the blob (missing)', 'not started', (b: ReturnType<typeof snapshotBox>) => rmSync(b.blob)],
  ])('when %s changed, the start from the old snapshot runs no hook (%s); it is rebuilt and the hook runs from it', (_what, refused, change) => {
    const b = snapshotBox();
    run(b.box);
    change(b);
    const r = run(b.box, { env: { STUB_EXIT: '4' } });
    expect(r.report?.via).toBe('snapshot');
    expect(r.status).toBe(4);
    expect(r.stderr).toBe('');
    const seen = refused === 'not started' ? [] : [refused];
    expect(starts(b.nodeLog)).toEqual(['build', 'check', 'run-snapshot', ...seen, 'build', 'check', 'run-snapshot']);
    expect(logged(b.jujuLog).at(-1)).toMatch(/start-up snapshot built .*changed/);
    expect(lines(readFileSync(b.state, 'utf8'))[0]).toBe('use');
  });

  it('a hook from a snapshot runs only the node start: no stat, no other command', () => {
    const b = snapshotBox();
    run(b.box);
    // Any command besides node would now fail the hook or show in the node log.
    for (const tool of ['stat', 'timeout', 'mv', 'mkdir', 'ln', 'rm']) rmSync(path.join(b.box.bin, tool));
    const r = run(b.box);
    expect(r.report?.via).toBe('snapshot');
    expect(r.stderr).toBe('');
    expect(starts(b.nodeLog)).toEqual(['build', 'check', 'run-snapshot', 'run-snapshot']);
  });

  it('a snapshot of an older dispatch (verdict ok) is never trusted: rebuilt first', () => {
    const b = snapshotBox();
    run(b.box);
    const [, lib, stamp] = lines(readFileSync(b.state, 'utf8'));
    writeFileSync(b.state, `ok\n${lib}\n${stamp}\n`);
    expect(run(b.box).report?.via).toBe('snapshot');
    expect(starts(b.nodeLog)).toEqual(['build', 'check', 'run-snapshot', 'build', 'check', 'run-snapshot']);
  });

  it('a blob that aborts node before the charm ran: the hook runs once, without it, and it stays off', () => {
    const b = snapshotBox();
    run(b.box);
    // Damage the blob without changing its identity (bit rot): only the start can tell.
    const stamp = readFileSync(b.state, 'utf8');
    touch(b.blob);
    writeFileSync(b.blob, 'bad!');
    const lines3 = stamp.split('\n');
    const blobId = spawnSync('stat', ['-L', '--printf', '%d:%i:%s:%.9Y:%.9Z;', b.blob], { encoding: 'utf8' }).stdout;
    lines3[2] = (lines3[2] ?? '').replace(/[^;]+;$/, blobId);
    writeFileSync(b.state, lines3.join('\n'));
    const r = run(b.box, { env: { STUB_EXIT: '0' } });
    expect(r.status).toBe(0);
    expect(r.report?.via).toBe('plain');
    expect(starts(b.nodeLog).slice(3)).toEqual(['abort', 'run-plain']);
    expect(readFileSync(b.state, 'utf8')).toMatch(/^off: a start from it failed \(exit 134\)/);
    expect(logged(b.jujuLog).at(-1)).toMatch(/^--log-level WARNING -- start-up snapshot not used any more.*exit 134/);
    // Off until the runtime or the charm changes: no retry, no rebuild, nothing logged.
    expect(run(b.box).report?.via).toBe('plain');
    expect(starts(b.nodeLog).slice(5)).toEqual(['run-plain']);
    expect(logged(b.jujuLog)).toHaveLength(2);
  });

  it('a node that cannot build a snapshot works as before: said once, no retry until the runtime changes', () => {
    const b = snapshotBox();
    const env = { FAKE_BUILD: 'fail' };
    for (let i = 0; i < 3; i += 1) {
      const r = run(b.box, { env });
      expect(r.report?.via).toBe('plain');
      expect(r.stderr).toBe('');
    }
    expect(starts(b.nodeLog)).toEqual(['build', 'run-plain', 'run-plain', 'run-plain']);
    expect(logged(b.jujuLog)).toEqual([expect.stringMatching(/^--log-level INFO -- start-up snapshot not used, hooks run without it \(no snapshot yet\): .*could not build/)]);
    expect(readFileSync(path.join(b.box.charm, '.runtime/snapshot.log'), 'utf8')).toContain('build failed');
    touch(path.join(b.box.bin, 'node'));
    expect(run(b.box).report?.via).toBe('snapshot');
  });

  it('a node with its own start-up snapshot gets a user one too (measured faster in a real hook)', () => {
    const b = snapshotBox();
    const env = { FAKE_BUILTIN: 'builtin-snapshot' };
    expect(run(b.box, { env }).report?.via).toBe('snapshot');
    expect(run(b.box, { env }).report?.via).toBe('snapshot');
    expect(starts(b.nodeLog)).toEqual(['build', 'check', 'run-snapshot', 'run-snapshot']);
    expect(lines(readFileSync(b.state, 'utf8'))[0]).toBe('use');
  });
});

describe('the charm’s identity of the snapshot inputs (src/snapshot.ts)', () => {
  it('is what dispatch records with stat -L, links followed; "" when a file is missing', () => {
    const box = sandbox();
    const link = path.join(box.dir, 'node-link');
    symlinkSync(REAL_NODE, link);
    const files = [link, path.join(box.charm, 'dispatch'), path.join(box.charm, 'dist/charm.cjs')];
    const stat = spawnSync('stat', ['-L', '--printf', '%d:%i:%s:%.9Y:%.9Z;', '--', ...files], { encoding: 'utf8' });
    expect(stat.status).toBe(0);
    expect(identity(files)).toBe(stat.stdout);
    expect(identity([...files, path.join(box.dir, 'missing')])).toBe('');
  });
});

/**
 * The official Node.js builds dispatch must work with (Ubuntu 24.04's nodejs is 18.19, Debian
 * 12's 18.20), from the npm registry's node-linux-<arch> packages, kept in a cache folder across
 * runs. Outside CI a version that cannot be fetched is skipped; in CI it fails.
 */
const NODE_VERSIONS = ['18.19.0', '18.20.4', '20.19.0', '22.12.0'];
const NODE_CACHE = path.join(tmpdir(), 'tinyproxy-charm-official-nodes');

function officialNode(version: string): string | undefined {
  const dir = path.join(NODE_CACHE, version);
  const node = path.join(dir, 'node');
  if (existsSync(node)) return node;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const pack = spawnSync('npm', ['pack', '--silent', `node-linux-${process.arch}@${version}`], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  const tarball = pack.stdout.trim().split('\n').at(-1) ?? '';
  // Only the binary is kept (about 100 MB a version, not the 200 MB of the unpacked package and its tarball).
  const untar = pack.status === 0 ? spawnSync('tar', ['-xzf', tarball, '-O', 'package/bin/node'], { cwd: dir, maxBuffer: 512 * 1024 * 1024 }) : pack;
  if (untar.status === 0 && untar.stdout.length > 0) {
    writeFileSync(`${node}.tmp`, untar.stdout, { mode: 0o755 });
    renameSync(`${node}.tmp`, node);
    rmSync(path.join(dir, tarball), { force: true });
    return node;
  }
  if (inCI()) throw new Error(`cannot fetch node-linux-${process.arch}@${version}: ${pack.stderr}${untar.stderr}`);
  return undefined;
}

describe.each(NODE_VERSIONS)('dispatch with the official node %s and the real bundle', (version) => {
  const node = officialNode(version);
  let bundleDir = '';
  it.skipIf(node === undefined)(
    'builds and uses a user snapshot that loads run-time modules without a word on stderr, and refuses to run a changed bundle',
    async () => {
      const nodeBin = node ?? '';
      if (bundleDir === '') {
        bundleDir = realpathSync(mkdtempSync(path.join(tmpdir(), 'dispatch-bundle-')));
        temps.push(bundleDir);
        const { buildOptions } = await import('../../build.mjs');
        const esbuild = await import('esbuild');
        await esbuild.build({ ...buildOptions(bundleDir).charm, logLevel: 'silent' });
      }
      const box = sandbox();
      copyFileSync(path.join(bundleDir, 'charm.cjs'), path.join(box.charm, 'dist/charm.cjs'));
      for (const tool of ['mkdir', 'ln', 'rm', 'mv', 'stat', 'timeout', 'cat']) symlinkSync(`/usr/bin/${tool}`, path.join(box.bin, tool));
      symlinkSync(nodeBin, path.join(box.bin, 'node'));
      const jujuLog = path.join(box.dir, 'juju-log.log');
      script(path.join(box.bin, 'juju-log'), `echo "$*" >> '${jujuLog}'`);
      const rt = path.join(box.charm, '.runtime');
      const state = path.join(rt, 'snapshot.state');
      // No JUJU_DISPATCH_PATH: the charm fails at once, and says so through juju-log (a hook tool:
      // Node's spawner; node:child_process would warn on stderr in a Node 18 snapshot).
      const hook = (): RunResult => run(box, { env: { JUJU_DISPATCH_PATH: '' } });
      let hooks = 0;
      const failedCleanly = (r: RunResult): void => {
        hooks += 1;
        expect(r.status).toBe(1);
        expect(lines(r.stderr)).toEqual([expect.stringMatching(/^tinyproxy charm: +failed: invalid Juju hook environment: JUJU_DISPATCH_PATH is empty/)]);
        const logged = lines(readFileSync(jujuLog, 'utf8')).filter((l) => l.startsWith('--log-level'));
        expect(logged.filter((l) => l.startsWith('--log-level ERROR -- Uncaught exception while in charm code:'))).toHaveLength(hooks);
      };

      const started = (): string => readFileSync(path.join(rt, 'started'), 'utf8');
      failedCleanly(hook());
      const [verdict, lib, stamp] = lines(readFileSync(state, 'utf8'));
      expect(verdict).toBe('use');
      expect(lib).toBe('-');
      expect(lines(readFileSync(jujuLog, 'utf8'))[0]).toBe(`--log-level INFO -- start-up snapshot built for node v${version} (no snapshot yet); hooks start from it`);
      expect(started()).toBe('snapshot\n');
      failedCleanly(hook());
      expect(started()).toBe('snapshot\n');
      // The charm's identity check agreed with dispatch's stat: nothing was rebuilt.
      expect(lines(readFileSync(state, 'utf8'))[2]).toBe(stamp);

      // upgrade-charm: the snapshot's (older) bundle refuses to run; dispatch rebuilds and runs the new one.
      writeFileSync(path.join(box.charm, 'dist/charm.cjs'), `${readFileSync(path.join(bundleDir, 'charm.cjs'), 'utf8')}\n`);
      failedCleanly(hook());
      expect(started()).toBe('snapshot\n');
      expect(lines(readFileSync(state, 'utf8'))[2]).not.toBe(stamp);
      const built = lines(readFileSync(jujuLog, 'utf8')).filter((l) => l.startsWith('--log-level INFO -- start-up snapshot built'));
      expect(built).toHaveLength(2);
      expect(built[1]).toMatch(/\(the runtime, the charm or the snapshot changed\)/);
    },
    120_000,
  );
});
