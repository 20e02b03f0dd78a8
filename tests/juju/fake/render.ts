// The JSON the fake prints, laid out as Juju 3.6 prints it for a machine (LXD) model:
// `juju status --format=json` and `juju config <app> --format=json`.
import { CONTROLLER, type FakeApp, type FakeMachine, type FakeModel, JUJU_VERSION, liveUnits, machineListed, type StatusLine } from './state.ts';

type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

/** A time as juju status prints it ("02 Jan 2006 15:04:05Z07:00"), in UTC. */
export function since(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}Z`;
}

/** A status line: empty message and version omitted, as Go's omitempty does. */
const line = (status: StatusLine, at: number, extra: { version?: string; life?: string } = {}): Json => ({
  current: status.current,
  ...(status.message ? { message: status.message } : {}),
  since: since(at),
  ...(extra.version ? { version: extra.version } : {}),
  ...(extra.life ? { life: extra.life } : {}),
});

const BASE = { name: 'ubuntu', channel: '24.04' };

function renderMachine(model: FakeModel, machine: FakeMachine, now: number): Json {
  const host = `juju-${model.uuid.slice(0, 6)}-${machine.id}`;
  const common = { base: BASE, constraints: 'arch=amd64' };
  if (now < machine.startedAt) {
    return {
      'juju-status': line({ current: 'pending', message: '' }, machine.createdAt),
      'instance-id': 'pending',
      'machine-status': line({ current: 'pending', message: '' }, machine.createdAt),
      'modification-status': line({ current: 'idle', message: '' }, machine.createdAt),
      ...common,
    };
  }
  const mac = `00:16:3e:00:00:${two(Number(machine.id) % 100)}`;
  return {
    'juju-status': line({ current: 'started', message: '' }, machine.startedAt, { version: JUJU_VERSION }),
    hostname: host,
    'dns-name': machine.address,
    'ip-addresses': [machine.address],
    'instance-id': host,
    'machine-status': line({ current: 'running', message: 'Running' }, machine.startedAt),
    'modification-status': line({ current: 'applied', message: '' }, machine.startedAt),
    base: BASE,
    'network-interfaces': { eth0: { 'ip-addresses': [machine.address], 'mac-address': mac, gateway: '127.0.10.254', space: 'alpha', 'is-up': true } },
    constraints: 'arch=amd64',
    hardware: 'arch=amd64 cores=0 mem=0M virt-type=container',
  };
}

const SEVERITY = ['error', 'blocked', 'maintenance', 'waiting', 'active'];

function renderApp(model: FakeModel, app: FakeApp, now: number): Json {
  const units = liveUnits(app, now);
  const unitsJson: Record<string, Json> = {};
  units.forEach(({ unit, view }, i) => {
    const machine = model.machines[unit.machine];
    const addressed = machine !== undefined && machine.startedAt <= now;
    unitsJson[unit.name] = {
      'workload-status': line(view.workload, view.workloadSince),
      'juju-status': line(view.agent, view.agentSince, { version: JUJU_VERSION, life: view.life }),
      ...(i === 0 ? { leader: true } : {}),
      ...(view.charmRevision !== app.revision ? { 'upgrading-from': `local:${app.charmName}-${view.charmRevision}` } : {}),
      machine: unit.machine,
      ...(view.ports.length > 0 ? { 'open-ports': [...view.ports] } : {}),
      ...(addressed ? { 'public-address': machine.address } : {}),
    };
  });
  // Derived application status: the most severe unit workload status.
  const worst = [...units].sort((a, b) => SEVERITY.indexOf(a.view.workload.current) - SEVERITY.indexOf(b.view.workload.current))[0];
  const version = units.map(({ view }) => view.version).find((v) => v !== '') ?? '';
  return {
    charm: `local:${app.charmName}-${app.revision}`,
    base: BASE,
    'charm-origin': 'local',
    'charm-name': app.charmName,
    'charm-rev': app.revision,
    exposed: app.exposed,
    'application-status': worst ? line(worst.view.workload, worst.view.workloadSince) : line({ current: 'unknown', message: '' }, app.createdAt),
    ...(units.length > 0 ? { units: unitsJson } : {}),
    ...(version ? { version } : {}),
    'endpoint-bindings': { '': 'alpha' },
  };
}

/** `juju status --format=json` of `model` at `now`. */
export function renderStatus(model: FakeModel, now: number): Json {
  const machines: Record<string, Json> = {};
  for (const machine of Object.values(model.machines)) {
    if (machineListed(machine, now)) machines[machine.id] = renderMachine(model, machine, now);
  }
  const apps: Record<string, Json> = {};
  for (const app of Object.values(model.apps)) apps[app.name] = renderApp(model, app, now);
  return {
    model: {
      name: model.name,
      type: 'iaas',
      controller: CONTROLLER,
      cloud: model.cloud,
      region: model.region,
      version: JUJU_VERSION,
      'model-status': line({ current: 'available', message: '' }, model.createdAt),
      sla: 'unsupported',
    },
    machines,
    applications: apps,
    storage: {},
    controller: { timestamp: since(now).slice(12) },
  };
}

/** `juju config <app> --format=json`. */
export function renderConfig(app: FakeApp): Json {
  const settings: Record<string, Json> = {};
  for (const [name, spec] of Object.entries(app.options)) {
    const set = app.config[name];
    const value = set ?? spec.default;
    settings[name] = {
      ...(spec.default !== undefined ? { default: spec.default } : {}),
      description: spec.description,
      source: set !== undefined ? 'user' : spec.default !== undefined ? 'default' : 'unset',
      type: spec.type,
      ...(value !== undefined ? { value } : {}),
    };
  }
  return {
    application: app.name,
    'application-config': { trust: { default: false, description: 'Does this application have access to trusted credentials', source: 'default', type: 'bool', value: false } },
    charm: app.charmName,
    settings,
  };
}
