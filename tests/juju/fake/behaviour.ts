// What Juju 3.6 and the tinyproxy charm do in each hook, as steps of a fake unit's timeline.
// Juju's side follows juju/juju internal/worker/uniter: the hook order (install, leader-elected
// or leader-settings-changed, config-changed, start; upgrade-charm then config-changed; stop then
// remove), the statuses Juju sets itself around stop and remove (operation/runhook.go beforeHook
// and afterHook), and the retries of a failed hook (5 s, doubling, at most 5 min apart). The
// charm's side is a table of the config values the suite sets, judged without the charm's code.
import { UsageError } from './flags.ts';
import { type ConfigValue, type FakeApp, type Serving, type StatusLine, type Step, TINYPROXY_VERSION } from './state.ts';

/** A step to schedule: `delaySteps` (default 1) steps after the one before it. */
export type PlannedStep = Omit<Step, 'at'> & { readonly delaySteps?: number };

/** Each option's value: what the user set, else the charm's default (as config-get shows it). */
export function effectiveConfig(app: FakeApp): Record<string, ConfigValue> {
  const config: Record<string, ConfigValue> = {};
  for (const [name, spec] of Object.entries(app.options)) {
    const value = app.config[name] ?? spec.default;
    if (value !== undefined) config[name] = value;
  }
  return config;
}

const idle: StatusLine = { current: 'idle', message: '' };
const running = (hook: string): StatusLine => ({ current: 'executing', message: `running ${hook} hook` });
const entity = (unit: string): string => `unit-${unit.replace('/', '-')}`;
const ran = (unit: string, hook: string): string => `${entity(unit)}: INFO juju.worker.uniter.operation ran "${hook}" hook (via hook dispatching script: dispatch)`;

/** What the unit looks like before a hook: what its tinyproxy serves and which ports are open. */
export interface Before {
  readonly serving: Serving | null;
  readonly ports: readonly string[];
}

/** What the charm makes of one option's value: fine, or its blocked message. */
type Verdict = { readonly ok: true } | { readonly ok: false; readonly problem: string };

const fine: Verdict = { ok: true };

/**
 * The charm's verdict on the values the fake models, by option; undefined for a value it does not
 * model. The slug rule and its message are the tutorial's (machine-tinyproxy, `_on_collect_status`;
 * slugs only up to 64 characters, well inside the README's limit); the port-22 refusal is the
 * opened-ports how-to's, with the message the README's status table documents.
 */
const VERDICTS: Readonly<Record<string, (value: ConfigValue, preset: ConfigValue | undefined) => Verdict | undefined>> = {
  slug: (value) => {
    if (typeof value !== 'string') return undefined;
    if (!/^[a-z0-9-]+$/.test(value)) return { ok: false, problem: `Invalid slug: '${value}'. Slug must match the regex [a-z0-9-]+` };
    return value.length <= 64 ? fine : undefined;
  },
  'server-port': (value) => {
    if (value === 22) return { ok: false, problem: 'Invalid server-port: 22. Port 22 is reserved for SSH' };
    return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535 ? fine : undefined;
  },
  upstream: (value, preset) => (value === preset ? fine : undefined),
};

/**
 * The charm's blocked message for the app's config, or undefined when it is valid. A value the
 * table does not cover, or two invalid options at once (the order of their messages is the charm's
 * choice), is refused as a usage error, so no suite relies on what the fake would invent.
 */
export function blockedMessage(app: FakeApp): string | undefined {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(effectiveConfig(app))) {
    const verdict = VERDICTS[name]?.(value, app.options[name]?.default);
    if (verdict === undefined) throw new UsageError(`fake juju: the charm's verdict on ${name}=${String(value)} is not modelled`);
    if (!verdict.ok) problems.push(verdict.problem);
  }
  if (problems.length > 1) throw new UsageError(`fake juju: several invalid options at once are not modelled (${problems.join('; ')})`);
  return problems[0];
}

/** Where start, config-changed and upgrade-charm leave the unit: serving a valid config, or blocked with nothing changed. */
function settled(app: FakeApp, before: Before): Pick<Step, 'workload' | 'serving' | 'ports'> {
  const message = blockedMessage(app);
  if (message !== undefined) return { workload: { current: 'blocked', message }, serving: before.serving, ports: before.ports };
  const config = effectiveConfig(app);
  const slug = String(config.slug);
  const port = Number(config['server-port']);
  return { workload: { current: 'active', message: '' }, serving: { slug, port }, ports: [`${port}/tcp`] };
}

/** Juju's first retries of a failed hook come after 5 s, then twice as long each time, at most 5 min (in steps of the fake's clock). */
export const RETRY_DELAYS: readonly number[] = [5, 10, 20, 40, 80, 160, ...Array<number>(24).fill(300)];

/**
 * A hook that fails every time: the unit in error, then each retry (the unit leaves the error
 * state and shows `during`, the workload status it had before the hook), failing again.
 */
function failingHook(unit: string, hook: string, during: StatusLine, why: string): PlannedStep[] {
  const failed: PlannedStep = {
    agent: idle,
    workload: { current: 'error', message: `hook failed: "${hook}"` },
    log: `${entity(unit)}: ERROR juju.worker.uniter.operation hook "${hook}" (via hook dispatching script: dispatch) failed: ${why}`,
  };
  return [failed, ...RETRY_DELAYS.flatMap((delaySteps): PlannedStep[] => [{ delaySteps, agent: running(hook), workload: during }, failed])];
}

/** Why the hooks of a charm whose dispatch is not executable fail (the uniter cannot start it). */
const notExecutable = (unit: string): string => `fork/exec /var/lib/juju/agents/${entity(unit)}/charm/dispatch: permission denied`;

/**
 * A new unit once its machine is up. Juju runs install (after setting maintenance 'installing
 * charm software'), leader-elected on the leader or leader-settings-changed on the others,
 * config-changed (where the charm first starts tinyproxy), then start.
 */
export function deploySteps(app: FakeApp, unit: string, options: { runnable: boolean; leader: boolean }): PlannedStep[] {
  const installing: StatusLine = { current: 'maintenance', message: 'installing charm software' };
  if (!options.runnable) return [{ agent: running('install'), workload: installing }, ...failingHook(unit, 'install', installing, notExecutable(unit))];
  const leadership = options.leader ? 'leader-elected' : 'leader-settings-changed';
  const configured = settled(app, { serving: null, ports: [] });
  return [
    { agent: running('install'), workload: installing },
    { agent: running(leadership), workload: { current: 'maintenance', message: 'Waiting for tinyproxy to start' }, version: TINYPROXY_VERSION, log: ran(unit, 'install') },
    { agent: running('config-changed'), log: ran(unit, leadership) },
    { agent: running('start'), ...configured, log: ran(unit, 'config-changed') },
    { agent: idle, ...configured, log: ran(unit, 'start') },
  ];
}

/** config-changed on a unit whose state after its queued hooks is `before`. */
export function configChangedSteps(app: FakeApp, unit: string, before: Before): PlannedStep[] {
  return [{ agent: running('config-changed') }, { agent: idle, ...settled(app, before), log: ran(unit, 'config-changed') }];
}

/** `juju refresh`: upgrade-charm, which Juju always follows with config-changed. */
export function upgradeSteps(app: FakeApp, unit: string, before: Before & { workload: StatusLine }, runnable: boolean): PlannedStep[] {
  const fetched: PlannedStep = { agent: running('upgrade-charm'), charmRevision: app.revision };
  if (!runnable) return [fetched, ...failingHook(unit, 'upgrade-charm', before.workload, notExecutable(unit))];
  const upgraded = settled(app, before);
  return [fetched, { agent: running('config-changed'), ...upgraded, log: ran(unit, 'upgrade-charm') }, { agent: idle, ...upgraded, log: ran(unit, 'config-changed') }];
}

/**
 * remove-unit: stop, then remove, then the unit is gone. Juju sets the workload status itself,
 * replacing the charm's: maintenance 'stopping charm software' before stop, maintenance with no
 * message after it, 'cleaning up prior to charm deletion' before remove, terminated after it.
 */
export function removeSteps(unit: string): PlannedStep[] {
  return [
    { agent: running('stop'), life: 'dying', workload: { current: 'maintenance', message: 'stopping charm software' }, serving: null },
    { agent: idle, workload: { current: 'maintenance', message: '' }, log: ran(unit, 'stop') },
    { agent: running('remove'), workload: { current: 'maintenance', message: 'cleaning up prior to charm deletion' } },
    { agent: idle, workload: { current: 'terminated', message: '' }, ports: [], log: ran(unit, 'remove') },
    { gone: true },
  ];
}
