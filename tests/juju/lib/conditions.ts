// Conditions on a parsed `juju status`: each returns why it does not hold yet, or undefined when it holds.
import { type JujuStatus, unitsOf } from './status.ts';

/** Why `status` does not satisfy a condition yet, or undefined when it does. */
export type Condition = (status: JujuStatus) => string | undefined;

/** A reason to stop waiting at once (something went wrong), or undefined. */
export type Alarm = (status: JujuStatus) => string | undefined;

/** What every unit of an application should show. */
export interface UnitsExpectation {
  /** Workload status, e.g. 'active' or 'blocked'. */
  readonly workload: string;
  /** Exact workload message; unchecked when absent. */
  readonly message?: string;
  /** Exact number of units; at least one when absent. */
  readonly units?: number;
  /** Exact open ports of every unit, e.g. ['8000/tcp']; unchecked when absent. */
  readonly ports?: readonly string[];
}

const samePorts = (actual: readonly string[], expected: readonly string[]): boolean => actual.length === expected.length && [...actual].sort().every((port, i) => port === [...expected].sort()[i]);

/** Every unit of `app` shows the expected workload status (and message, ports) with an idle agent. */
export function unitsSettled(app: string, expected: UnitsExpectation): Condition {
  return (status) => {
    if (status.apps[app] === undefined) return `${app} is not in the model yet`;
    const units = unitsOf(status, app);
    if (expected.units !== undefined ? units.length !== expected.units : units.length === 0) {
      return `${app} has ${units.length} unit(s), expected ${expected.units ?? 'at least 1'}`;
    }
    for (const unit of units) {
      const { workload, agent } = unit;
      if (workload.current !== expected.workload) return `${unit.name} is ${workload.current} '${workload.message}', expected ${expected.workload}`;
      if (expected.message !== undefined && workload.message !== expected.message) {
        return `${unit.name} says '${workload.message}', expected '${expected.message}'`;
      }
      if (agent.current !== 'idle') return `${unit.name} agent is ${agent.current}${agent.message ? ` (${agent.message})` : ''}`;
      if (expected.ports !== undefined && !samePorts(unit.openPorts, expected.ports)) {
        return `${unit.name} has open ports [${unit.openPorts.join(' ')}], expected [${expected.ports.join(' ')}]`;
      }
    }
    return undefined;
  };
}

/** The application runs charm revision `revision` (or a later one) and no unit is still upgrading from an older one. */
export function charmRefreshed(app: string, revision: number): Condition {
  return (status) => {
    const found = status.apps[app];
    if (found === undefined) return `${app} is not in the model`;
    if (found.charmRev < revision) return `${app} is at charm revision ${found.charmRev}, expected ${revision}`;
    const upgrading = unitsOf(status, app).find((unit) => unit.upgradingFrom !== '');
    return upgrading === undefined ? undefined : `${upgrading.name} is still upgrading from ${upgrading.upgradingFrom}`;
  };
}

/** The unit and the machine it was on are both gone from the model. */
export function unitAndMachineGone(app: string, unit: string, machine: string): Condition {
  return (status) => {
    if (status.apps[app]?.units[unit] !== undefined) return `${unit} is still listed (${status.apps[app]?.units[unit]?.agent.current})`;
    if (machine !== '' && status.machines[machine] !== undefined) return `machine ${machine} is still listed (${status.machines[machine]?.agent.current})`;
    return undefined;
  };
}

/** Alarm: units of `app` (or only `unit`) whose workload or agent is in error. */
export function unitsInError(app: string, unit?: string): Alarm {
  return (status) => {
    const failed = unitsOf(status, app)
      .filter((u) => unit === undefined || u.name === unit)
      .filter((u) => u.workload.current === 'error' || u.agent.current === 'error')
      .map((u) => `${u.name} is in error: '${u.workload.current === 'error' ? u.workload.message : u.agent.message}'`);
    return failed.length > 0 ? failed.join('; ') : undefined;
  };
}

/** All the conditions hold; the first reason that does not is given. */
export function allOf(...conditions: readonly Condition[]): Condition {
  return (status) => {
    for (const condition of conditions) {
      const reason = condition(status);
      if (reason !== undefined) return reason;
    }
    return undefined;
  };
}
