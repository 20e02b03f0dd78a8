// What the fake's commands share: the error types, the I/O they run against, argument parsing
// as juju does it, and lookups that fail with juju's words.
import { boolean, type FlagSpec, flagValue, type ParsedArgs, parseArgs, UsageError, valued } from './flags.ts';
import { CONTROLLER, type ConfigValue, type FakeApp, type FakeModel, type FakeState, type OptionSpec } from './state.ts';

/** A command failure: juju prints `ERROR <message>` and exits 1. */
export class JujuError extends Error {
  override readonly name = 'JujuError';
}

/** What a command runs against. */
export interface Io {
  readonly state: FakeState;
  readonly now: number;
  readonly stepMs: number;
  out(text: string): void;
  err(text: string): void;
}

/** A command: runs and returns its exit code, or throws JujuError / UsageError. */
export type Command = (args: readonly string[], io: Io) => number;

/** The --model/-m flag. */
export const MODEL = valued('model', 'm');

/** Parses a command's arguments (every juju command also takes -B). */
export const parse = (args: readonly string[], specs: readonly FlagSpec[]): ParsedArgs => parseArgs(args, [...specs, boolean('no-browser-login', 'B')]);

/** The controller the fake is, or a JujuError for any other. */
export function checkController(name: string): void {
  if (name !== CONTROLLER) throw new JujuError(`controller ${name} not found`);
}

/** The model name in a model reference `[controller:][user/]name`, checking the controller. */
export function modelName(ref: string): string {
  const colon = ref.indexOf(':');
  if (colon >= 0) checkController(ref.slice(0, colon));
  return ref.slice(colon + 1).replace(/^[^/]*\//, '');
}

/** The model named by a reference, or JujuError `not found`. */
export function modelAt(io: Io, ref: string): FakeModel {
  const name = modelName(ref);
  const model = io.state.models[name];
  if (model === undefined) throw new JujuError(`model ${CONTROLLER}:admin/${name} not found`);
  return model;
}

/** The model named by --model ([controller:][user/]name); the fake has no current model to fall back on. */
export function modelOf(parsed: ParsedArgs, io: Io): FakeModel {
  const ref = flagValue(parsed, 'model');
  if (ref === undefined) throw new UsageError('fake juju: pass --model (without it juju would act on your current model)');
  return modelAt(io, ref);
}

/** The application `name` of `model`, or a JujuError. */
export function appOf(model: FakeModel, name: string | undefined): FakeApp {
  const app = name === undefined ? undefined : model.apps[name];
  if (app === undefined) throw new JujuError(`application "${name ?? ''}" not found`);
  return app;
}

/** The positional arguments, if their count is within [min, max]; else a usage error. */
export const positionals = (parsed: ParsedArgs, min: number, max: number, usage: string): readonly string[] => {
  const { positional } = parsed;
  if (positional.length < min || positional.length > max) throw new UsageError(`usage: juju ${usage}`);
  return positional;
};

/** Refuses output formats other than JSON (the only one the suite reads). */
export const requireJson = (parsed: ParsedArgs): void => {
  if (flagValue(parsed, 'format') !== 'json') throw new UsageError('fake juju: only --format=json is simulated');
};

/** A value typed by its option, as juju checks it before sending it to the controller. */
export function typed(name: string, spec: OptionSpec, text: string): ConfigValue {
  if (spec.type === 'int') {
    if (!/^-?\d+$/.test(text)) throw new JujuError(`option "${name}" expected int, got "${text}"`);
    return Number(text);
  }
  if (spec.type === 'float') {
    if (Number.isNaN(Number(text)) || text.trim() === '') throw new JujuError(`option "${name}" expected float, got "${text}"`);
    return Number(text);
  }
  if (spec.type === 'boolean') {
    if (text !== 'true' && text !== 'false') throw new JujuError(`option "${name}" expected boolean, got "${text}"`);
    return text === 'true';
  }
  return text;
}

/** The option `name` of the app's charm, or JujuError `unknown option`. */
export const optionSpec = (app: FakeApp, name: string): OptionSpec => {
  const spec = app.options[name];
  if (spec === undefined) throw new JujuError(`unknown option "${name}"`);
  return spec;
};
