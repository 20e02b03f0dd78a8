import { readFileSync, writeFileSync } from 'node:fs';
import { startupSnapshot } from 'node:v8';
import { runCharm } from './charm/charm.ts';
import { parseCharmConfig } from './charm/config.ts';
import { fileStateStore } from './charm/unit-state.ts';
import { contextFromEnv } from './juju/context.ts';
import { createHookTools, type HookTools } from './juju/hook-tools.ts';
import { chooseHookToolRunner } from './juju/run.ts';
import { hasBuiltinSnapshot, identity } from './snapshot.ts';
import { createWorkload } from './workload/create.ts';

const oneLine = (error: unknown): string => (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' | ');

/** Logs an uncaught error as ops does (juju-log ERROR with the stack) and prints one clear line. */
async function reportFailure(tools: HookTools, hook: string, error: unknown): Promise<void> {
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  try {
    await tools.log('ERROR', `Uncaught exception while in charm code:\n${stack}`);
  } catch {
    // juju-log itself failed: stderr still reaches the unit log.
  }
  process.stderr.write(`tinyproxy charm: ${hook} failed: ${oneLine(error)}\n`);
}

/** The hook entry point: parse the context, run the event, set the status; exit 1 on failure. */
async function main(): Promise<number> {
  const tools = createHookTools(chooseHookToolRunner());
  let hook = process.env.JUJU_DISPATCH_PATH ?? 'unknown hook';
  try {
    const juju = contextFromEnv(process.env, process.cwd());
    hook = juju.event.name;
    const workload = createWorkload();
    // The serving probe waits on tinyproxy, config-get on Juju: they overlap where hook tools run
    // asynchronously (the execFile runner).
    workload.startCheck();
    const config = parseCharmConfig(await tools.configGet());
    const damaged: string[] = [];
    const state = fileStateStore(juju.charmDir, (problem) => damaged.push(problem));
    state.load();
    for (const problem of damaged) await tools.log('WARNING', problem);
    await runCharm(juju.event, { tools, workload, config, state });
    return 0;
  } catch (error) {
    await reportFailure(tools, hook, error);
    return 1;
  }
}

/** Set by dispatch: a file the charm writes how it started to, as its very first act. */
const STARTED_ENV = 'TINYPROXY_CHARM_STARTED';
/** Set by dispatch when it checks a fresh snapshot: print what started, run no hook. */
const CHECK_ENV = 'TINYPROXY_CHARM_SNAPSHOT_CHECK';
/** Set by dispatch on a start from the snapshot: its inputs (one a line) and their identity when it was built. */
const INPUTS_ENV = 'TINYPROXY_CHARM_SNAPSHOT_INPUTS';
const STAMP_ENV = 'TINYPROXY_CHARM_SNAPSHOT_STAMP';
/** The exit code of a start from a snapshot whose inputs changed: dispatch rebuilds it and runs the hook again. */
const STALE_SNAPSHOT_EXIT = 75;

/** The shared library node runs from (Debian's and Ubuntu's libnode), or '-'. */
function libnode(): string {
  const line = readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .find((l) => /\/libnode\.so[.\d]*$/.test(l));
  return line?.slice(line.indexOf('/')) ?? '-';
}

/** Runs the hook (or the check); `from` says whether this process started from a user start-up snapshot. */
function start(from: 'snapshot' | 'plain'): void {
  const { [STARTED_ENV]: started, [CHECK_ENV]: check, [INPUTS_ENV]: inputs, [STAMP_ENV]: stamp } = process.env;
  for (const name of [STARTED_ENV, CHECK_ENV, INPUTS_ENV, STAMP_ENV]) delete process.env[name];
  if (check !== undefined) {
    process.stdout.write(`tinyproxy-charm-start ${from} ${process.version} ${hasBuiltinSnapshot() ? 'builtin-snapshot' : 'no-builtin-snapshot'} ${libnode()}\n`);
    return;
  }
  // The snapshot holds the bundle as it was when built, for the runtime of that time: if either
  // changed (upgrade-charm, an apt upgrade of nodejs), no charm code of this start may run.
  if (from === 'snapshot' && inputs !== undefined && identity(inputs.split('\n')) !== stamp) {
    process.exitCode = STALE_SNAPSHOT_EXIT;
    return;
  }
  // dispatch reruns a snapshot start that failed without this mark, so it comes before anything else.
  if (started) {
    try {
      writeFileSync(started, `${from}\n`);
    } catch {
      // Only dispatch's fallback needs it.
    }
  }
  // CommonJS output (it starts faster) has no top-level await.
  void main().then((code) => {
    process.exitCode = code;
  });
}

// `node --build-snapshot dist/charm.cjs` (dispatch, on the unit) keeps everything loaded so far in
// the snapshot; a process started from it begins here.
if (startupSnapshot?.isBuildingSnapshot()) startupSnapshot.setDeserializeMainFunction(() => start('snapshot'));
else start('plain');
