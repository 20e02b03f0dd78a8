// State of the fake juju: models, machines, applications, and each unit's timeline of hook
// steps. Time drives it: a command schedules steps FAKE_JUJU_STEP_MS apart, and anything that
// reads the state (`juju status`, the stand-in workload) sees the steps whose time has come.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A charm option value. */
export type ConfigValue = string | number | boolean;

/** A charm option as config.yaml declares it. */
export interface OptionSpec {
  readonly type: string;
  readonly default?: ConfigValue;
  readonly description: string;
}

/** A status line (workload or agent). */
export interface StatusLine {
  readonly current: string;
  readonly message: string;
}

/** What the unit's tinyproxy serves, once started. */
export interface Serving {
  readonly slug: string;
  readonly port: number;
}

/** One change in a unit's life, effective from `at` (ms since the epoch). */
export interface Step {
  readonly at: number;
  readonly agent?: StatusLine;
  readonly workload?: StatusLine;
  readonly serving?: Serving | null;
  readonly ports?: readonly string[];
  readonly version?: string;
  /** The charm revision the unit runs from now on (its uniter fetched it). */
  readonly charmRevision?: number;
  readonly life?: string;
  readonly gone?: boolean;
  /** A debug-log line written when the step happens. */
  readonly log?: string;
}

/** A unit and its timeline (steps in time order). */
export interface FakeUnit {
  readonly name: string;
  readonly machine: string;
  readonly steps: Step[];
}

/** A machine: provisioned at startedAt, gone from removedAt. */
export interface FakeMachine {
  readonly id: string;
  readonly address: string;
  readonly createdAt: number;
  readonly startedAt: number;
  removedAt?: number;
}

/** A deployed application. */
export interface FakeApp {
  readonly name: string;
  readonly charmName: string;
  /** The local .charm file the application runs (for the charm's files on its units). */
  charmFile: string;
  options: Readonly<Record<string, OptionSpec>>;
  /** The charm revision (local charms start at 0; each `juju refresh --path` adds one). */
  revision: number;
  /** The charm's dispatch is executable (as Juju reads the zip), so its hooks can run. */
  runnable: boolean;
  /** Options the user set (`juju config`); the rest take their defaults. */
  config: Record<string, ConfigValue>;
  exposed: boolean;
  nextUnit: number;
  readonly units: Record<string, FakeUnit>;
  readonly createdAt: number;
}

/** A model. */
export interface FakeModel {
  readonly name: string;
  readonly uuid: string;
  readonly cloud: string;
  readonly region: string;
  /** Model config given at creation (`add-model --config`). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  nextMachine: number;
  readonly machines: Record<string, FakeMachine>;
  readonly apps: Record<string, FakeApp>;
}

/** Everything the fake remembers between invocations. */
export interface FakeState {
  readonly models: Record<string, FakeModel>;
  nextTask: number;
  /** Machine addresses are unique on the controller, across models. */
  nextHost: number;
}

/** The controller the fake pretends to be (the CLI's current one), and its only cloud and region. */
export const CONTROLLER = 'fake-lxd';
export const CLOUD = 'localhost';
export const REGION = 'localhost';
/** The Juju version the fake reports. */
export const JUJU_VERSION = '3.6.4';
/** The version tinyproxy -v reports on the fake units. */
export const TINYPROXY_VERSION = '1.11.1';

const stateFile = (dir: string): string => path.join(dir, 'state.json');

/** Reads the state in `dir` (empty if none yet). */
export function loadState(dir: string): FakeState {
  const file = stateFile(dir);
  if (!existsSync(file)) return { models: {}, nextTask: 1, nextHost: 0 };
  return JSON.parse(readFileSync(file, 'utf8')) as FakeState;
}

/** Writes the state atomically (a reader never sees half a file). */
export function saveState(dir: string, state: FakeState): void {
  mkdirSync(dir, { recursive: true });
  const temp = `${stateFile(dir)}.${process.pid}`;
  writeFileSync(temp, `${JSON.stringify(state, null, 1)}\n`);
  renameSync(temp, stateFile(dir));
}

/** A unit at one moment: its steps so far folded together. */
export interface UnitView {
  readonly exists: boolean;
  readonly agent: StatusLine;
  readonly agentSince: number;
  readonly workload: StatusLine;
  readonly workloadSince: number;
  readonly serving: Serving | null;
  readonly ports: readonly string[];
  readonly version: string;
  readonly charmRevision: number;
  readonly life: string;
  readonly gone: boolean;
}

/** The unit as it is at `time` (Infinity: once every scheduled step has happened). */
export function unitView(unit: FakeUnit, time: number): UnitView {
  let view: UnitView = {
    exists: false,
    agent: { current: 'allocating', message: '' },
    agentSince: 0,
    workload: { current: 'waiting', message: 'waiting for machine' },
    workloadSince: 0,
    serving: null,
    ports: [],
    version: '',
    charmRevision: 0,
    life: '',
    gone: false,
  };
  for (const step of unit.steps) {
    if (step.at > time) break;
    view = {
      exists: true,
      agent: step.agent ?? view.agent,
      agentSince: step.agent ? step.at : view.agentSince,
      workload: step.workload ?? view.workload,
      workloadSince: step.workload ? step.at : view.workloadSince,
      serving: step.serving === undefined ? view.serving : step.serving,
      ports: step.ports ?? view.ports,
      version: step.version ?? view.version,
      charmRevision: step.charmRevision ?? view.charmRevision,
      life: step.life ?? view.life,
      gone: step.gone ?? view.gone,
    };
  }
  return view;
}

/**
 * Appends steps to a unit after its last scheduled step (or now), each `stepMs` after the one
 * before it (`delaySteps` times that when given); returns the time of the last.
 */
export function schedule(unit: FakeUnit, now: number, stepMs: number, steps: readonly (Omit<Step, 'at'> & { readonly delaySteps?: number })[]): number {
  let at = Math.max(now, unit.steps.at(-1)?.at ?? now);
  for (const { delaySteps, ...step } of steps) {
    at += (delaySteps ?? 1) * stepMs;
    unit.steps.push({ ...step, at });
  }
  return at;
}

/** Units of an application that exist at `time` and are not gone, by unit number. */
export function liveUnits(app: FakeApp, time: number): { unit: FakeUnit; view: UnitView }[] {
  return Object.values(app.units)
    .map((unit) => ({ unit, view: unitView(unit, time) }))
    .filter(({ view }) => view.exists && !view.gone)
    .sort((a, b) => unitNumber(a.unit.name) - unitNumber(b.unit.name));
}

/** The number after the slash of a unit name. */
export const unitNumber = (name: string): number => Number(name.slice(name.lastIndexOf('/') + 1));

/** The next machine address: loopback, 127.0.10.1 onwards, never reused. */
export function nextAddress(state: FakeState): string {
  const n = state.nextHost++;
  return `127.0.${10 + Math.floor(n / 250)}.${(n % 250) + 1}`;
}

/** Whether a machine is listed at `time`. */
export const machineListed = (machine: FakeMachine, time: number): boolean => machine.createdAt <= time && (machine.removedAt === undefined || time < machine.removedAt);

/** The unit of any model whose machine has `address` and is listed at `time`. */
export function unitAtAddress(state: FakeState, address: string, time: number): UnitView | undefined {
  for (const model of Object.values(state.models)) {
    for (const app of Object.values(model.apps)) {
      for (const { unit, view } of liveUnits(app, time)) {
        const machine = model.machines[unit.machine];
        if (machine !== undefined && machine.address === address && machine.startedAt <= time) return view;
      }
    }
  }
  return undefined;
}
