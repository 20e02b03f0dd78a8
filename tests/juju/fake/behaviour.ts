// What the tinyproxy charm does in each hook, as steps of a fake unit's timeline. The config is
// judged by the charm's own parseCharmConfig, so the fake's blocked messages are the charm's.
import { parseCharmConfig } from '../../../src/charm/config.ts';
import { TINYPROXY_VERSION, type ConfigValue, type FakeApp, type Serving, type Step } from './state.ts';

/** A step to schedule (its time is chosen by `schedule`). */
export type PlannedStep = Omit<Step, 'at'>;

/** Each option's value: what the user set, else the charm's default (as config-get shows it). */
export function effectiveConfig(app: FakeApp): Record<string, ConfigValue> {
  const config: Record<string, ConfigValue> = {};
  for (const [name, spec] of Object.entries(app.options)) {
    const value = app.config[name] ?? spec.default;
    if (value !== undefined) config[name] = value;
  }
  return config;
}

const idle = { current: 'idle', message: '' };
const running = (hook: string) => ({ current: 'executing', message: `running ${hook} hook` });
const ran = (unit: string, hook: string): string =>
  `unit-${unit.replace('/', '-')}: INFO juju.worker.uniter.operation ran "${hook}" hook (via hook dispatching script: dispatch)`;

/** The end of a start or config-changed hook: serve a valid config, or block and change nothing. */
function settle(app: FakeApp, unit: string, hook: string, before: { serving: Serving | null; ports: readonly string[] }): PlannedStep {
  const result = parseCharmConfig(effectiveConfig(app));
  if (!result.valid) {
    return { agent: idle, workload: { current: 'blocked', message: result.problems.join('; ') }, serving: before.serving, ports: before.ports, log: ran(unit, hook) };
  }
  const { slug, port } = result.config;
  return { agent: idle, workload: { current: 'active', message: '' }, serving: { slug, port }, ports: [`${port}/tcp`], log: ran(unit, hook) };
}

/** A new unit once its machine is up: install, then start (or a failed install hook). */
export function deploySteps(app: FakeApp, unit: string, runnable: boolean): PlannedStep[] {
  if (!runnable) {
    return [{ agent: idle, workload: { current: 'error', message: 'hook failed: "install"' }, log: `unit-${unit.replace('/', '-')}: ERROR fork/exec dispatch: permission denied` }];
  }
  return [
    { agent: running('install'), workload: { current: 'maintenance', message: 'installing charm software' } },
    { agent: running('start'), workload: { current: 'maintenance', message: 'Waiting for tinyproxy to start' }, version: TINYPROXY_VERSION, log: ran(unit, 'install') },
    settle(app, unit, 'start', { serving: null, ports: [] }),
  ];
}

/** config-changed on a unit whose state after its queued hooks is `before`. */
export function configChangedSteps(app: FakeApp, unit: string, before: { serving: Serving | null; ports: readonly string[] }): PlannedStep[] {
  return [{ agent: running('config-changed') }, settle(app, unit, 'config-changed', before)];
}

/** remove-unit: stop, remove, gone. */
export function removeSteps(unit: string): PlannedStep[] {
  return [
    { agent: running('stop'), life: 'dying', workload: { current: 'maintenance', message: 'Waiting for tinyproxy to start' }, serving: null },
    { agent: running('remove'), workload: { current: 'maintenance', message: 'Waiting for tinyproxy to be installed' }, log: ran(unit, 'stop') },
    { gone: true, log: ran(unit, 'remove') },
  ];
}
