// Entry point of the fake juju (run by ./juju through tsx): parse the command, run it against the state
// in $FAKE_JUJU_STATE, print like juju, and record the call in calls.jsonl.
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { COMMANDS, type Io, JujuError } from './commands.ts';
import { UsageError } from './flags.ts';
import { loadState, saveState } from './state.ts';

/** Runs one fake juju invocation; returns its exit code. */
function main(argv: readonly string[]): number {
  const dir = process.env.FAKE_JUJU_STATE;
  if (dir === undefined || dir === '') {
    process.stderr.write('ERROR fake juju: set FAKE_JUJU_STATE to a directory for its state\n');
    return 2;
  }
  const [name, ...args] = argv;
  const command = name === undefined ? undefined : COMMANDS[name];
  let code: number;
  if (command === undefined) {
    process.stderr.write(`ERROR juju: "${name ?? ''}" is not a juju command (or not one the fake answers). See "juju --help".\n`);
    code = 1;
  } else {
    const state = loadState(dir);
    const io: Io = {
      state,
      now: Number(process.env.FAKE_JUJU_NOW ?? Date.now()),
      stepMs: Number(process.env.FAKE_JUJU_STEP_MS ?? 1000),
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
    };
    try {
      code = command(args, io);
      saveState(dir, state);
    } catch (error) {
      if (!(error instanceof JujuError) && !(error instanceof UsageError)) throw error;
      process.stderr.write(`ERROR ${error.message}\n`);
      code = error instanceof UsageError ? 2 : 1;
    }
  }
  appendFileSync(path.join(dir, 'calls.jsonl'), `${JSON.stringify({ argv, code })}\n`);
  return code;
}

process.exitCode = main(process.argv.slice(2));
