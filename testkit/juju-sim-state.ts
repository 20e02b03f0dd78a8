// Reads and writes the juju-sim state directory shared with the sh hook tools in
// testkit/juju-sim/bin (file layout documented in testkit/juju-sim/lib/sim.sh).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Directory with the simulated hook tools (put first on the hook's PATH). */
export const SIM_BIN_DIR = fileURLToPath(new URL('./juju-sim/bin', import.meta.url));

/** A charm config value (Juju option types string/int/float/boolean/secret). */
export type ConfigValue = string | number | boolean;
/** A set of config values by option name. */
export type ConfigMap = Record<string, ConfigValue>;
/** Juju log levels accepted by juju-log. */
type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';

/** One hook-tool invocation: tool name and exact argv (without the tool name). */
export interface Call {
  tool: string;
  args: string[];
}

/** One juju-log record. */
export interface LogEntry {
  level: LogLevel;
  message: string;
}

/** A workload status as set by status-set. */
export interface StatusInfo {
  status: string;
  message: string;
}

/** A pending open-port/close-port request of the running hook. */
export interface PendingPort {
  op: 'open' | 'close';
  range: string;
}

const LOG_LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];

/** Creates (or resets) a state directory: no calls, Juju's status before the first hook. */
export function initSimState(dir: string): void {
  rmSync(join(dir, 'calls'), { recursive: true, force: true });
  mkdirSync(join(dir, 'calls'), { recursive: true });
  writeStoredStatus(dir, { status: 'maintenance', message: 'installing charm software' });
  for (const name of ['charm-status', 'charm-message', 'hook-error']) rmSync(join(dir, name), { force: true });
  if (!existsSync(join(dir, 'config.json'))) writeConfigState(dir, {});
}

/** JSON the way Go's json.Marshal prints it (sorted keys, HTML-safe escapes). */
function goJson(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, x]) => [k, sorted(x)]));
  };
  return JSON.stringify(sorted(value))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Writes what config-get prints: the effective values. */
export function writeConfigState(dir: string, effective: ConfigMap): void {
  writeFileSync(join(dir, 'config.json'), goJson(effective));
}

function readText(path: string, fallback: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : fallback;
}

/**
 * The unit workload status as Juju stores it, what status-get reads: the last status-set, or
 * what Juju itself set since (around stop and remove, see writeStoredStatus).
 */
export function readStatus(dir: string): StatusInfo {
  return { status: readText(join(dir, 'status'), 'unknown').trim(), message: readText(join(dir, 'message'), '') };
}

/** Whether the charm has ever set the unit status (Juju's `StatusSet` state flag). */
export function charmHasSetStatus(dir: string): boolean {
  return existsSync(join(dir, 'charm-status'));
}

/** The unit status the charm last set with status-set; the stored one if it never did. */
export function readCharmStatus(dir: string): StatusInfo {
  if (!charmHasSetStatus(dir)) return readStatus(dir);
  return { status: readText(join(dir, 'charm-status'), '').trim(), message: readText(join(dir, 'charm-message'), '') };
}

/** Juju itself sets the stored unit status (the uniter's beforeHook/afterHook), replacing the charm's. */
export function writeStoredStatus(dir: string, status: StatusInfo): void {
  writeFileSync(join(dir, 'status'), status.status);
  writeFileSync(join(dir, 'message'), status.message);
}

/** Records that `hook` failed (Juju shows the unit in error), or clears it (undefined). */
export function setHookError(dir: string, hook: string | undefined): void {
  if (hook === undefined) rmSync(join(dir, 'hook-error'), { force: true });
  else writeFileSync(join(dir, 'hook-error'), hook);
}

/**
 * The unit's workload status as `juju status` shows it: `error` with `hook failed: "<hook>"`
 * after a failed hook (Juju shows the agent's error there, until the hook is run again), else
 * the stored status.
 */
export function readJujuStatus(dir: string): StatusInfo {
  const failed = join(dir, 'hook-error');
  if (existsSync(failed)) return { status: 'error', message: `hook failed: "${readFileSync(failed, 'utf8')}"` };
  return readStatus(dir);
}

/** The version last set with application-version-set ('' if never). */
export function readWorkloadVersion(dir: string): string {
  return readText(join(dir, 'version'), '');
}

/** Committed port ranges, sorted as Juju sorts them. */
export function readOpenedPorts(dir: string): string[] {
  return readText(join(dir, 'ports'), '')
    .split('\n')
    .filter((line) => line !== '');
}

/** Open/close requests made by the running (or last failed-to-commit) hook. */
export function readPendingPorts(dir: string): PendingPort[] {
  return readText(join(dir, 'pending-ports'), '')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [op, range = ''] = line.split(' ');
      return { op: op === 'close' ? 'close' : 'open', range };
    });
}

interface ParsedRange {
  protocol: string;
  from: number;
  to: number;
}

function parseRange(range: string): ParsedRange {
  if (range === 'icmp') return { protocol: 'icmp', from: -1, to: -1 };
  const match = /^(\d+)(?:-(\d+))?\/(\w+)$/.exec(range);
  if (!match) throw new Error(`juju-sim: malformed port range in state: ${range}`);
  const from = Number(match[1]);
  return { protocol: match[3] ?? 'tcp', from, to: match[2] === undefined ? from : Number(match[2]) };
}

/** Applies the pending port changes (as Juju does after a hook exits 0). */
export function commitPendingPorts(dir: string): void {
  const ports = new Set(readOpenedPorts(dir));
  for (const { op, range } of readPendingPorts(dir)) {
    if (op === 'open') ports.add(range);
    else ports.delete(range);
  }
  const sorted = [...ports]
    .map((r) => ({ r, p: parseRange(r) }))
    .sort((a, b) => {
      if (a.p.protocol !== b.p.protocol) return a.p.protocol < b.p.protocol ? -1 : 1;
      return a.p.from !== b.p.from ? a.p.from - b.p.from : a.p.to - b.p.to;
    });
  writeFileSync(join(dir, 'ports'), sorted.map(({ r }) => `${r}\n`).join(''));
  rmSync(join(dir, 'pending-ports'), { force: true });
}

/** Drops the pending port changes (as Juju does after a hook fails). */
export function discardPendingPorts(dir: string): void {
  rmSync(join(dir, 'pending-ports'), { force: true });
}

/** Index the next recorded call will get. */
export function nextCallIndex(dir: string): number {
  const indexes = callIndexes(dir);
  return indexes.length === 0 ? 0 : Math.max(...indexes) + 1;
}

function callIndexes(dir: string): number[] {
  return readdirSync(join(dir, 'calls'))
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** Recorded tool calls with index >= from, in call order. */
export function readCalls(dir: string, from = 0): Call[] {
  return callIndexes(dir)
    .filter((i) => i >= from)
    .sort((a, b) => a - b)
    .map((i) => {
      const parts = readFileSync(join(dir, 'calls', String(i)), 'utf8').split('\0');
      parts.pop(); // every element is NUL-terminated
      const [tool = '', ...args] = parts;
      return { tool, args };
    });
}

/** All juju-log records in order. */
export function readLogs(dir: string): LogEntry[] {
  const parts = readText(join(dir, 'log'), '').split('\0');
  const entries: LogEntry[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const level = parts[i] as LogLevel;
    if (!LOG_LEVELS.includes(level)) throw new Error(`juju-sim: bad log level in state: ${parts[i]}`);
    entries.push({ level, message: parts[i + 1] ?? '' });
  }
  return entries;
}
