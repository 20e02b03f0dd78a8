// The fake's application-level commands: deploy, expose, config, exec, add-unit, remove-unit.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { blockedMessage, configChangedSteps, deploySteps, effectiveConfig, removeSteps, upgradeSteps } from './behaviour.ts';
import { type CharmInfo, readCharm, readZip } from './charm-archive.ts';
import { appOf, type Command, type Io, JujuError, MODEL, modelOf, optionSpec, parse, positionals, requireJson, typed } from './command-support.ts';
import { boolean, flagSet, flagValue, UsageError, valued } from './flags.ts';
import { renderConfig } from './render.ts';
import { type FakeApp, type FakeModel, liveUnits, nextAddress, schedule, TINYPROXY_VERSION, type UnitView, unitView } from './state.ts';
import { tarGz } from './tar.ts';

/** Runs config-changed on every live unit, after whatever each has queued. */
function configChanged(app: FakeApp, io: Io): void {
  for (const { unit } of liveUnits(app, io.now)) {
    const after = unitView(unit, Number.POSITIVE_INFINITY);
    if (after.life === 'dying' || after.workload.current === 'error') continue;
    schedule(unit, io.now, io.stepMs, configChangedSteps(app, unit.name, after));
  }
}

/** A new unit on a new machine, with its deploy hooks scheduled; the first unit of an application leads it. */
function addUnit(model: FakeModel, app: FakeApp, io: Io): string {
  const leader = liveUnits(app, io.now).every(({ view }) => view.life === 'dying');
  const id = String(model.nextMachine++);
  model.machines[id] = { id, address: nextAddress(io.state), createdAt: io.now, startedAt: io.now + io.stepMs };
  const name = `${app.name}/${app.nextUnit++}`;
  const unit = {
    name,
    machine: id,
    steps: [{ at: io.now, agent: { current: 'allocating', message: '' }, workload: { current: 'waiting', message: 'waiting for machine' }, charmRevision: app.revision }],
  };
  app.units[name] = unit;
  schedule(unit, io.now, io.stepMs, deploySteps(app, name, { runnable: app.runnable, leader }));
  return name;
}

/** Reads a local charm the way `juju deploy` and `juju refresh` do, or a JujuError. */
function charmAt(path: string): CharmInfo {
  if (!existsSync(path)) throw new JujuError(`no charm was found at "${path}"`);
  try {
    return readCharm(path);
  } catch (error) {
    throw new JujuError(`invalid charm or bundle provided at "${path}": ${(error as Error).message}`);
  }
}

const APP_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*$/;

/** `juju deploy <local .charm> [app]`. */
export const deploy: Command = (args, io) => {
  const parsed = parse(args, [MODEL, valued('config'), valued('num-units', 'n')]);
  const [charm, given] = positionals(parsed, 1, 2, 'deploy [options] <charm or bundle> [<application name>]');
  const model = modelOf(parsed, io);
  if (charm === undefined || !/^[./]/.test(charm)) throw new UsageError('fake juju: only a local charm file (./x.charm or /path/x.charm) can be deployed');
  const info = charmAt(charm);
  const name = given ?? info.name;
  if (!APP_NAME.test(name)) throw new JujuError(`invalid application name "${name}"`);
  if (model.apps[name] !== undefined) throw new JujuError(`cannot add application "${name}": application already exists`);
  const app: FakeApp = {
    name,
    charmName: info.name,
    charmFile: path.resolve(charm),
    options: info.options,
    revision: 0,
    runnable: info.runnable,
    config: {},
    exposed: false,
    nextUnit: 0,
    units: {},
    createdAt: io.now,
  };
  for (const pair of parsed.flags.get('config') ?? []) {
    const [key, ...rest] = pair.split('=');
    if (key === undefined || rest.length === 0) throw new UsageError('fake juju: --config takes key=value');
    app.config[key] = typed(key, optionSpec(app, key), rest.join('='));
  }
  model.apps[name] = app;
  const count = Number(flagValue(parsed, 'num-units') ?? '1');
  for (let i = 0; i < count; i++) addUnit(model, app, io);
  io.err(`Located local charm "${info.name}", revision 0\nDeploying "${name}" from local charm "${info.name}", revision 0 on ${info.bases[0] ?? ''}/stable\n`);
  return 0;
};

/** `juju expose <app>`. */
export const expose: Command = (args, io) => {
  const parsed = parse(args, [MODEL]);
  const [name] = positionals(parsed, 1, 1, 'expose [options] <application name>');
  appOf(modelOf(parsed, io), name).exposed = true;
  return 0;
};

/** `juju config <app>` (get as JSON, one key, set key=value, --reset). */
export const config: Command = (args, io) => {
  const parsed = parse(args, [MODEL, valued('format'), valued('reset')]);
  const [name, ...rest] = positionals(parsed, 1, Number.POSITIVE_INFINITY, 'config [options] <application name> [--reset <key[,key]>] [<attribute-key>][=<value>] ...]');
  const app = appOf(modelOf(parsed, io), name);
  const resets = (flagValue(parsed, 'reset') ?? '').split(',').filter((key) => key !== '');
  if (rest.length === 0 && resets.length === 0) {
    requireJson(parsed);
    io.out(`${JSON.stringify(renderConfig(app))}\n`);
    return 0;
  }
  if (rest.length === 1 && !rest[0]?.includes('=') && resets.length === 0) {
    const key = rest[0] ?? '';
    optionSpec(app, key);
    io.out(`${String(effectiveConfig(app)[key] ?? '')}\n`);
    return 0;
  }
  const before = JSON.stringify(effectiveConfig(app));
  for (const key of resets) {
    optionSpec(app, key);
    delete app.config[key];
  }
  for (const pair of rest) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`fake juju: expected key=value, got "${pair}"`);
    const key = pair.slice(0, at);
    const value = typed(key, optionSpec(app, key), pair.slice(at + 1));
    if (effectiveConfig(app)[key] === value) io.err(`WARNING the configuration setting "${key}" already has the value "${String(value)}"\n`);
    app.config[key] = value;
  }
  blockedMessage(app); // refuses, before anything is saved, a value the fake does not model
  if (JSON.stringify(effectiveConfig(app)) !== before) configChanged(app, io);
  return 0;
};

/** What a command run by `juju exec` on a unit gives: its return code and output. */
interface ExecOutcome {
  readonly code: number;
  readonly stdout?: string;
  readonly stderr?: string;
}

/** The commands the fake units answer (the suite's, character for character), by command line. */
const UNIT_COMMANDS: Readonly<Record<string, (app: FakeApp, view: UnitView, io: Io) => ExecOutcome>> = {
  'tinyproxy -v': (_app, view) => (view.version !== '' ? { code: 0, stdout: `tinyproxy ${TINYPROXY_VERSION}\n` } : { code: 127, stderr: 'bash: line 1: tinyproxy: command not found\n' }),
  // A stand-in for the charm's config file, from what the fake unit serves (not the charm's exact file).
  'cat /etc/tinyproxy/tinyproxy.conf': (app, view) => {
    if (view.serving === null) return { code: 1, stderr: 'cat: /etc/tinyproxy/tinyproxy.conf: No such file or directory\n' };
    const upstream = String(effectiveConfig(app).upstream ?? 'http://www.example.com/');
    return { code: 0, stdout: `Port ${view.serving.port}\nReverseOnly Yes\nReversePath "/${view.serving.slug}/" "${upstream}"\n` };
  },
  // The charm folder as Juju unpacked the application's .charm (each entry's mode as Go reads it).
  'tar -C "$JUJU_CHARM_DIR" -czf - . | base64 -w 0': (app, _view, io) => {
    const files = readZip(readFileSync(app.charmFile));
    const folders = new Set<string>();
    for (const name of files.keys()) {
      const parts = name.split('/').slice(0, -1);
      for (let i = 0; i < parts.length; i += 1) folders.add(`${parts.slice(0, i + 1).join('/')}/`);
    }
    const entries = [...[...folders].map((name) => ({ name, mode: 0o755 })), ...[...files].filter(([name]) => !name.endsWith('/')).map(([name, file]) => ({ name, mode: file.mode, data: file.data }))];
    return {
      code: 0,
      stdout: tarGz(
        entries.sort((a, b) => (a.name < b.name ? -1 : 1)),
        Math.floor(io.now / 1000),
      ).toString('base64'),
    };
  },
};

/** `juju exec --format=json --unit <unit> -- <command>`: only the commands in UNIT_COMMANDS. */
export const exec: Command = (args, io) => {
  const parsed = parse(args, [MODEL, valued('format'), valued('unit', 'u')]);
  const model = modelOf(parsed, io);
  const units = (parsed.flags.get('unit') ?? []).flatMap((value) => value.split(','));
  if (units.length !== 1) throw new UsageError('fake juju: exec is simulated for exactly one --unit');
  requireJson(parsed);
  const name = units[0] ?? '';
  const app = appOf(model, name.split('/')[0]);
  const found = liveUnits(app, io.now).find(({ unit }) => unit.name === name);
  if (found === undefined) throw new JujuError(`unit "${name}" not found`);
  const command = parsed.positional.join(' ');
  const run = UNIT_COMMANDS[command];
  if (run === undefined)
    throw new UsageError(
      `fake juju: \`${command}\` is not simulated on the units (only ${Object.keys(UNIT_COMMANDS)
        .map((c) => `\`${c}\``)
        .join(', ')})`,
    );
  const outcome = run(app, found.view, io);
  const results = { 'return-code': outcome.code, ...(outcome.stdout ? { stdout: outcome.stdout } : {}), ...(outcome.stderr ? { stderr: outcome.stderr } : {}) };
  const id = String(io.state.nextTask++);
  io.out(`${JSON.stringify({ [name]: { id, results, status: 'completed', unit: name } })}\n`);
  if (outcome.code === 0) return 0;
  io.err(`ERROR the following task failed:\n id "${id}" with return code ${outcome.code}\n\nuse 'juju show-task' to inspect the failure\n`);
  return 1;
};

/** `juju add-unit <app>`. */
export const addUnitCommand: Command = (args, io) => {
  const parsed = parse(args, [MODEL, valued('num-units', 'n')]);
  const [name] = positionals(parsed, 1, 1, 'add-unit [options] <application name>');
  const model = modelOf(parsed, io);
  const app = appOf(model, name);
  for (let i = 0; i < Number(flagValue(parsed, 'num-units') ?? '1'); i++) addUnit(model, app, io);
  return 0;
};

/**
 * `juju refresh <app> --path <local .charm>`: upgrade-charm on every unit not in error (Juju
 * leaves those alone without --force-units), then config-changed, which Juju always runs after it.
 */
export const refresh: Command = (args, io) => {
  const parsed = parse(args, [MODEL, valued('path'), valued('switch'), valued('revision'), boolean('force-units')]);
  const [name] = positionals(parsed, 1, 1, 'refresh [options] <application>');
  const has = (flag: string): boolean => parsed.flags.has(flag);
  if (has('path') && has('revision')) throw new UsageError('--path and --revision are mutually exclusive');
  if (has('switch') && has('revision')) throw new UsageError('--switch and --revision are mutually exclusive');
  if (has('switch') && has('path')) throw new UsageError('--switch and --path are mutually exclusive');
  const model = modelOf(parsed, io);
  const app = appOf(model, name);
  const charm = flagValue(parsed, 'path');
  if (charm === undefined) {
    if (has('switch')) throw new UsageError('fake juju: refresh --switch is not simulated');
    throw new JujuError('upgrading a local charm requires either --path or --switch');
  }
  const simulated = new Set(['model', 'path', 'no-browser-login']);
  const other = [...parsed.flags.keys()].find((flag) => !simulated.has(flag));
  if (other !== undefined) throw new UsageError(`fake juju: refresh --${other} is not simulated`);
  const info = charmAt(charm);
  if (info.name !== app.charmName) throw new JujuError(`cannot refresh "${app.name}" from charm "${app.charmName}" to "${info.name}" (fake juju: a different charm is not simulated)`);
  app.revision += 1;
  app.charmFile = path.resolve(charm);
  app.options = info.options;
  app.runnable = info.runnable;
  for (const { unit } of liveUnits(app, io.now)) {
    const after = unitView(unit, Number.POSITIVE_INFINITY);
    if (after.life === 'dying' || after.workload.current === 'error') continue;
    schedule(unit, io.now, io.stepMs, upgradeSteps(app, unit.name, after, app.runnable));
  }
  io.err(`Added local charm "${info.name}", revision ${app.revision}, to the model\n`);
  return 0;
};

/** `juju remove-unit --no-prompt <unit>...`. */
export const removeUnit: Command = (args, io) => {
  const parsed = parse(args, [MODEL, boolean('no-prompt')]);
  const names = positionals(parsed, 1, Number.POSITIVE_INFINITY, 'remove-unit [options] <unit> [...] | <application>');
  const model = modelOf(parsed, io);
  const plan = names.map((name) => {
    const app = appOf(model, name.split('/')[0]);
    const found = liveUnits(app, io.now).find(({ unit }) => unit.name === name);
    if (found === undefined || unitView(found.unit, Number.POSITIVE_INFINITY).life === 'dying') throw new JujuError(`removing unit ${name} failed: unit "${name}" does not exist`);
    return found.unit;
  });
  io.err(`WARNING! This command:\n${plan.map((u) => `will remove unit ${u.name}\n- will remove machine ${u.machine}\n`).join('')}`);
  if (!flagSet(parsed, 'no-prompt')) {
    io.err('\nContinue [y/N]? ');
    throw new JujuError('unit removal: aborted');
  }
  for (const unit of plan) {
    const gone = schedule(unit, io.now, io.stepMs, removeSteps(unit.name));
    const machine = model.machines[unit.machine];
    if (machine !== undefined) machine.removedAt = gone + io.stepMs;
  }
  return 0;
};
