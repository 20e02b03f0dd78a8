// `juju status --format=json`, parsed into the few fields the suite reads.
//
// Shape (Juju 3.6, cmd/juju/status/formatted.go; the same fields as Jubilant's statustypes):
//   { model: {name, type, controller, cloud, version, ...},
//     machines: { "<id>": { juju-status, dns-name, ip-addresses, instance-id, machine-status, ... } },
//     applications: { "<app>": { charm-name, charm-rev, exposed, application-status, version,
//       units: { "<app>/<n>": { workload-status, juju-status, leader, upgrading-from, machine, open-ports, public-address } } } } }
// A status line is {current, message, since, version, life}, each omitted when empty. An entity
// Juju could not read is printed as {"status-error": "<why>"} instead.
import { isObject, type JsonObject, objectAt, parseJsonObject, stringAt, stringsAt } from './json.ts';

/** One status line (`workload-status`, `juju-status`, `machine-status`, ...). */
export interface StatusInfo {
  readonly current: string;
  readonly message: string;
  readonly since: string;
  readonly version: string;
  readonly life: string;
}

/** A unit as `juju status` shows it. */
export interface UnitStatus {
  readonly name: string;
  readonly workload: StatusInfo;
  readonly agent: StatusInfo;
  readonly leader: boolean;
  /** The charm URL the unit still runs while it moves to the application's new one (`upgrading-from`), else ''. */
  readonly upgradingFrom: string;
  readonly machine: string;
  readonly publicAddress: string;
  readonly openPorts: readonly string[];
}

/** An application and its units. */
export interface AppStatus {
  readonly name: string;
  readonly charmName: string;
  /** The application's charm revision (`charm-rev`); -1 if absent. */
  readonly charmRev: number;
  readonly exposed: boolean;
  readonly status: StatusInfo;
  /** The workload version the charm set (`application-version-set`), '' if none. */
  readonly version: string;
  readonly units: Readonly<Record<string, UnitStatus>>;
}

/** A machine of the model. */
export interface MachineStatus {
  readonly id: string;
  readonly agent: StatusInfo;
  readonly instance: StatusInfo;
  readonly dnsName: string;
  readonly ipAddresses: readonly string[];
}

/** The parts of `juju status --format=json` the suite reads. */
export interface JujuStatus {
  readonly model: { readonly name: string; readonly controller: string; readonly cloud: string; readonly version: string };
  readonly machines: Readonly<Record<string, MachineStatus>>;
  readonly apps: Readonly<Record<string, AppStatus>>;
}

const statusError = (object: JsonObject): string => stringAt(object, 'status-error');

const info = (object: JsonObject): StatusInfo => {
  const error = statusError(object);
  if (error !== '') return { current: 'unknown', message: `status-error: ${error}`, since: '', version: '', life: '' };
  return {
    current: stringAt(object, 'current'),
    message: stringAt(object, 'message'),
    since: stringAt(object, 'since'),
    version: stringAt(object, 'version'),
    life: stringAt(object, 'life'),
  };
};

/** A status line for an entity printed as {"status-error": ...}: current 'unknown', the error as message. */
const infoOf = (entity: JsonObject, key: string): StatusInfo => (statusError(entity) !== '' ? info(entity) : info(objectAt(entity, key)));

const parseUnit = (name: string, unit: JsonObject): UnitStatus => ({
  name,
  workload: infoOf(unit, 'workload-status'),
  agent: infoOf(unit, 'juju-status'),
  leader: unit.leader === true,
  upgradingFrom: stringAt(unit, 'upgrading-from'),
  machine: stringAt(unit, 'machine'),
  publicAddress: stringAt(unit, 'public-address'),
  openPorts: stringsAt(unit, 'open-ports'),
});

const parseApp = (name: string, app: JsonObject): AppStatus => ({
  name,
  charmName: stringAt(app, 'charm-name'),
  charmRev: typeof app['charm-rev'] === 'number' ? app['charm-rev'] : -1,
  exposed: app.exposed === true,
  status: infoOf(app, 'application-status'),
  version: stringAt(app, 'version'),
  units: Object.fromEntries(Object.entries(objectAt(app, 'units')).map(([unit, value]) => [unit, parseUnit(unit, isObject(value) ? value : {})])),
});

const parseMachine = (id: string, machine: JsonObject): MachineStatus => ({
  id,
  agent: infoOf(machine, 'juju-status'),
  instance: infoOf(machine, 'machine-status'),
  dnsName: stringAt(machine, 'dns-name'),
  ipAddresses: stringsAt(machine, 'ip-addresses'),
});

const mapObject = <T>(object: JsonObject, parse: (key: string, value: JsonObject) => T): Record<string, T> =>
  Object.fromEntries(Object.entries(object).map(([key, value]) => [key, parse(key, isObject(value) ? value : {})]));

/** Parses the output of `juju status --format=json`; throws if it is not a status document. */
export function parseStatus(text: string): JujuStatus {
  const doc = parseJsonObject(text, 'juju status --format=json');
  if (!isObject(doc.model) || !isObject(doc.applications) || !isObject(doc.machines)) {
    throw new Error(`juju status --format=json printed no model/machines/applications: ${text.slice(0, 200)}`);
  }
  const model = doc.model;
  return {
    model: {
      name: stringAt(model, 'name'),
      controller: stringAt(model, 'controller'),
      cloud: stringAt(model, 'cloud'),
      version: stringAt(model, 'version'),
    },
    machines: mapObject(doc.machines, parseMachine),
    apps: mapObject(doc.applications, parseApp),
  };
}

const unitNumber = (name: string): number => Number(name.slice(name.lastIndexOf('/') + 1));

/** The units of `app`, by unit number; [] if the app is not in the model. */
export function unitsOf(status: JujuStatus, app: string): UnitStatus[] {
  return Object.values(status.apps[app]?.units ?? {}).sort((a, b) => unitNumber(a.name) - unitNumber(b.name));
}

/** The address to reach a unit at: its public address, else its machine's DNS name or first IP. */
export function unitAddress(status: JujuStatus, unit: UnitStatus): string {
  if (unit.publicAddress !== '') return unit.publicAddress;
  const machine = status.machines[unit.machine];
  return machine?.dnsName || machine?.ipAddresses[0] || '';
}

const line = (status: StatusInfo): string => (status.message === '' ? status.current : `${status.current} '${status.message}'`);

/** One line per unit of `app` (workload, agent, ports), for failure messages. */
export function describeApp(status: JujuStatus, app: string): string {
  const found = status.apps[app];
  if (found === undefined) return `${app}: not in the model`;
  const units = unitsOf(status, app).map(
    (unit) => `${unit.name}: ${line(unit.workload)}, agent ${line(unit.agent)}, ports [${unit.openPorts.join(' ')}]${unit.machine ? `, machine ${unit.machine}` : ''}`,
  );
  return [`${app}: ${line(found.status)}${found.version ? `, version ${found.version}` : ''}`, ...units].join('\n  ');
}
