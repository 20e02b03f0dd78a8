// The fake's model-level commands: add-model, destroy-model, status, debug-log, version.
import { randomUUID } from 'node:crypto';
import { boolean, flagSet, flagValue, UsageError, valued } from './flags.ts';
import { JujuError, MODEL, modelOf, parse, positionals, requireJson, type Command } from './command-support.ts';
import { renderStatus } from './render.ts';
import { CONTROLLER, JUJU_VERSION } from './state.ts';

const MODEL_NAME = /^[a-z0-9][a-z0-9-]*$/;

/** `juju add-model --no-switch <name>`. */
export const addModel: Command = (args, io) => {
  const parsed = parse(args, [boolean('no-switch'), valued('controller', 'c'), valued('config'), valued('credential'), valued('owner')]);
  const [name] = positionals(parsed, 1, 2, 'add-model [options] <model name> [cloud|region|(cloud/region)]');
  if (name === undefined || !MODEL_NAME.test(name)) throw new JujuError(`"${name ?? ''}" is not a valid name: model names may only contain lowercase letters, digits and hyphens`);
  if (!flagSet(parsed, 'no-switch')) throw new UsageError('fake juju: add-model without --no-switch would change your current model');
  if (io.state.models[name] !== undefined) throw new JujuError(`failed to create new model: model "${name}" for admin already exists`);
  io.state.models[name] = { name, uuid: randomUUID(), createdAt: io.now, nextMachine: 0, machines: {}, apps: {} };
  io.err(`Added '${name}' model on localhost/localhost with credential 'localhost' for user 'admin'\n`);
  return 0;
};

/** `juju destroy-model <name> --no-prompt ...`. */
export const destroyModel: Command = (args, io) => {
  const parsed = parse(args, [boolean('no-prompt'), boolean('destroy-storage'), boolean('release-storage'), boolean('force'), boolean('no-wait'), valued('timeout', 't')]);
  const [ref] = positionals(parsed, 1, 1, 'destroy-model [options] [<controller name>:]<model name>');
  const name = (ref ?? '').replace(/^[^:]*:/, '').replace(/^[^/]*\//, '');
  if (io.state.models[name] === undefined) throw new JujuError(`model ${CONTROLLER}:admin/${name} not found`);
  if (!flagSet(parsed, 'no-prompt')) {
    io.err(`WARNING This command will destroy the "${name}" model and affect the following resources. Continue [y/N]? `);
    throw new JujuError('model destruction: aborted');
  }
  delete io.state.models[name];
  io.err('Destroying model\nWaiting for model to be removed....\nModel destroyed.\n');
  return 0;
};

/** `juju status --format=json`. */
export const status: Command = (args, io) => {
  const parsed = parse(args, [MODEL, valued('format'), boolean('color'), boolean('no-color'), boolean('relations'), boolean('utc'), boolean('storage')]);
  positionals(parsed, 0, 0, 'status [options] (selectors are not simulated)');
  const model = modelOf(parsed, io);
  requireJson(parsed);
  io.out(`${JSON.stringify(renderStatus(model, io.now))}\n`);
  return 0;
};

/** `juju debug-log --limit N` (or --no-tail). */
export const debugLog: Command = (args, io) => {
  const parsed = parse(args, [MODEL, valued('limit'), valued('lines', 'n'), boolean('replay'), boolean('no-tail'), boolean('tail'), valued('level', 'l'), valued('include', 'i'), valued('exclude', 'x'), boolean('date'), boolean('ms'), boolean('utc')]);
  positionals(parsed, 0, 0, 'debug-log [options]');
  if (!parsed.flags.has('limit') && !flagSet(parsed, 'no-tail')) throw new UsageError('fake juju: debug-log without --limit or --no-tail follows the log forever');
  const model = modelOf(parsed, io);
  const lines = Object.values(model.apps)
    .flatMap((app) => Object.values(app.units).flatMap((unit) => unit.steps))
    .filter((step) => step.at <= io.now && step.log !== undefined)
    .sort((a, b) => a.at - b.at)
    .map((step) => `${step.log ?? ''}`.replace(': ', `: ${new Date(step.at).toISOString().slice(11, 19)} `));
  const limit = Number(flagValue(parsed, 'limit') ?? '0');
  io.out(lines.slice(limit > 0 ? -limit : 0).map((text) => `${text}\n`).join(''));
  return 0;
};

/** `juju version`. */
export const version: Command = (args, io) => {
  positionals(parse(args, [valued('format'), boolean('all')]), 0, 0, 'version [options]');
  io.out(`${JUJU_VERSION}-genericlinux-amd64\n`);
  return 0;
};
