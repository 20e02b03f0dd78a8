// The fake's model-level commands: add-model, show-model, destroy-model, status, debug-log.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { type Command, checkController, JujuError, MODEL, modelAt, modelOf, parse, positionals, requireJson } from './command-support.ts';
import { boolean, flagSet, flagValue, UsageError, valued } from './flags.ts';
import { renderStatus, since } from './render.ts';
import { CLOUD, CONTROLLER, JUJU_VERSION, REGION } from './state.ts';

const MODEL_NAME = /^[a-z0-9][a-z0-9-]*$/;

/** Model config from `add-model --config` values: a YAML file of settings, or key=value. */
function modelConfig(values: readonly string[]): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const value of values) {
    const at = value.indexOf('=');
    if (at > 0) {
      config[value.slice(0, at)] = value.slice(at + 1);
      continue;
    }
    if (!existsSync(value)) throw new JujuError(`open ${value}: no such file or directory`);
    const doc: unknown = parseYaml(readFileSync(value, 'utf8'));
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new JujuError(`${value}: expected a YAML map of model config`);
    Object.assign(config, doc);
  }
  return config;
}

/** `juju add-model --no-switch [--controller c] [--config file|k=v ...] <name> [cloud[/region]]`. */
export const addModel: Command = (args, io) => {
  const parsed = parse(args, [boolean('no-switch'), valued('controller', 'c'), valued('config')]);
  const [name, where] = positionals(parsed, 1, 2, 'add-model [options] <model name> [cloud|region|(cloud/region)]');
  const controller = flagValue(parsed, 'controller');
  if (controller !== undefined) checkController(controller);
  if (name === undefined || !MODEL_NAME.test(name)) throw new JujuError(`"${name ?? ''}" is not a valid name: model names may only contain lowercase letters, digits and hyphens`);
  if (!flagSet(parsed, 'no-switch')) throw new UsageError('fake juju: add-model without --no-switch would change your current model');
  if (where !== undefined && where !== CLOUD && where !== `${CLOUD}/${REGION}`) throw new JujuError(`cloud "${where}" not found (fake juju: only ${CLOUD}, region ${REGION})`);
  const config = modelConfig(parsed.flags.get('config') ?? []);
  if (io.state.models[name] !== undefined) throw new JujuError(`failed to create new model: model "${name}" for admin already exists`);
  io.state.models[name] = { name, uuid: randomUUID(), cloud: CLOUD, region: REGION, config, createdAt: io.now, nextMachine: 0, machines: {}, apps: {} };
  io.err(`Added '${name}' model on ${CLOUD}/${REGION} with credential '${CLOUD}' for user 'admin'\n`);
  return 0;
};

/** `juju show-model [controller:]<name> --format=json`. */
export const showModel: Command = (args, io) => {
  const parsed = parse(args, [valued('format')]);
  const [ref] = positionals(parsed, 1, 1, 'show-model [options] <model name> (the fake has no current model)');
  requireJson(parsed);
  const model = modelAt(io, ref ?? '');
  const info = {
    name: `admin/${model.name}`,
    'short-name': model.name,
    'model-uuid': model.uuid,
    'model-type': 'iaas',
    'controller-name': CONTROLLER,
    'is-controller': false,
    owner: 'admin',
    cloud: model.cloud,
    region: model.region,
    type: 'lxd',
    life: 'alive',
    status: { current: 'available', since: since(model.createdAt) },
    'agent-version': JUJU_VERSION,
  };
  io.out(`${JSON.stringify({ [model.name]: info })}\n`);
  return 0;
};

/** `juju destroy-model <name> --no-prompt ...`. */
export const destroyModel: Command = (args, io) => {
  const parsed = parse(args, [boolean('no-prompt'), boolean('destroy-storage'), boolean('force')]);
  const [ref] = positionals(parsed, 1, 1, 'destroy-model [options] [<controller name>:]<model name>');
  const { name } = modelAt(io, ref ?? '');
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
  const parsed = parse(args, [MODEL, valued('format')]);
  positionals(parsed, 0, 0, 'status [options] (selectors are not simulated)');
  const model = modelOf(parsed, io);
  requireJson(parsed);
  io.out(`${JSON.stringify(renderStatus(model, io.now))}\n`);
  return 0;
};

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARNING', 'ERROR'];

/** An --include/--exclude value as juju's debug-log turns it into an entity tag (parseEntity), as a pattern. */
function entityPattern(value: string): RegExp {
  const tag =
    /^(unit|machine|application)-/.test(value) || value.includes('*')
      ? value
      : /^\d+(\/lxd\/\d+)?$/.test(value)
        ? `machine-${value.replaceAll('/', '-')}`
        : /^[a-z][a-z0-9-]*\/\d+$/.test(value)
          ? `unit-${value.replace('/', '-')}`
          : `unit-${value}-*`;
  const escaped = tag.replace(/[.+?^$(){}|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replaceAll('*', '.*')}$`);
}

/**
 * `juju debug-log` as Juju 3.6 runs it (cmd/juju/commands/debuglog.go, apiserver/debuglog.go,
 * internal/logtailer): the last `--lines` lines (default 10; `--replay`: all), of which at most
 * `--limit`, filtered by entity and level. It follows the log (`--tail`, or by default when
 * stdout is a terminal), which the fake refuses, as it never ends.
 */
export const debugLog: Command = (args, io) => {
  const parsed = parse(args, [
    MODEL,
    valued('include', 'i'),
    valued('exclude', 'x'),
    valued('level', 'l'),
    valued('lines', 'n'),
    valued('limit'),
    boolean('replay'),
    boolean('no-tail'),
    boolean('tail'),
    boolean('retry'),
  ]);
  const count = (flag: string, fallback: number): number => {
    const text = flagValue(parsed, flag);
    if (text === undefined) return fallback;
    if (!/^\d+$/.test(text)) throw new UsageError(`invalid value "${text}" for flag --${flag}: parse error`);
    return Number(text);
  };
  const lines = count('lines', 10);
  const limit = count('limit', 0);
  const level = flagValue(parsed, 'level');
  if (level !== undefined && !LEVELS.includes(level.toUpperCase())) {
    throw new UsageError(`level value "${level}" is not one of ${LEVELS.map((l) => `"${l}"`).join(', ')}`);
  }
  if (flagSet(parsed, 'tail') && flagSet(parsed, 'no-tail')) throw new UsageError('setting --tail and --no-tail not valid');
  if (flagSet(parsed, 'no-tail') && flagSet(parsed, 'retry')) throw new UsageError('setting --no-tail and --retry not valid');
  positionals(parsed, 0, 0, 'debug-log [options]');
  const model = modelOf(parsed, io);
  const follows = flagSet(parsed, 'tail') || (!flagSet(parsed, 'no-tail') && process.stdout.isTTY === true);
  if (follows) throw new UsageError('fake juju: debug-log would follow the log forever (--tail, or stdout is a terminal and no --no-tail)');
  const replay = flagSet(parsed, 'replay');
  if (!replay && lines > 10_000) throw new JujuError(`too many lines requested (${lines}) maximum is 10000`);
  const include = (parsed.flags.get('include') ?? []).map(entityPattern);
  const exclude = (parsed.flags.get('exclude') ?? []).map(entityPattern);
  const minLevel = level === undefined ? 0 : LEVELS.indexOf(level.toUpperCase());
  const records = Object.values(model.apps)
    .flatMap((app) => Object.values(app.units).flatMap((unit) => unit.steps))
    .filter((step) => step.at <= io.now && step.log !== undefined)
    .sort((a, b) => a.at - b.at)
    .map((step) => {
      const text = step.log ?? '';
      const [entity = '', rest = ''] = [text.slice(0, text.indexOf(': ')), text.slice(text.indexOf(': ') + 2)];
      return { entity, level: rest.split(' ')[0] ?? '', line: `${entity}: ${new Date(step.at).toISOString().slice(11, 19)} ${rest}` };
    })
    .filter((r) => include.length === 0 || include.some((re) => re.test(r.entity)))
    .filter((r) => !exclude.some((re) => re.test(r.entity)))
    .filter((r) => LEVELS.indexOf(r.level) >= minLevel);
  const window = replay ? records : records.slice(Math.max(0, records.length - lines));
  const shown = limit > 0 ? window.slice(0, limit) : window;
  io.out(shown.map((r) => `${r.line}\n`).join(''));
  return 0;
};
