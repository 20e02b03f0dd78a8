// JSON printed by `juju exec --format=json` and `juju config <app> --format=json`.
import { isObject, objectAt, parseJsonObject, stringAt } from './json.ts';

/** What a command run by `juju exec --unit` did on that unit. */
export interface ExecResult {
  readonly unit: string;
  /** The task's status: 'completed' when the command ran (whatever its exit code), else 'failed', ... */
  readonly status: string;
  readonly returnCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Parses `juju exec --format=json --unit <unit> -- ...`:
 * {"<unit>": {"id": "4", "results": {"return-code": 0, "stdout": "..."}, "status": "completed", "unit": "<unit>"}}.
 */
export function parseExecOutput(text: string, unit: string): ExecResult {
  const doc = parseJsonObject(text, 'juju exec --format=json');
  const entries = Object.entries(doc).filter((entry): entry is [string, Record<string, unknown>] => isObject(entry[1]));
  // `<app>/leader` comes back under the real unit name, so take the only entry if the name differs.
  const task = doc[unit] ?? (entries.length === 1 ? entries[0]?.[1] : undefined);
  if (!isObject(task)) throw new Error(`juju exec printed no result for ${unit}: ${text.slice(0, 200)}`);
  const results = objectAt(task, 'results');
  const code = results['return-code'];
  return {
    unit: stringAt(task, 'unit') || unit,
    status: stringAt(task, 'status'),
    returnCode: typeof code === 'number' ? code : 0,
    stdout: stringAt(results, 'stdout'),
    stderr: stringAt(results, 'stderr'),
  };
}

/** One charm option as `juju config <app> --format=json` lists it under `settings`. */
export interface ConfigSetting {
  readonly type: string;
  /** The current value; undefined for an option with neither a value nor a default. */
  readonly value: unknown;
  readonly default: unknown;
  /** 'default', 'user' or 'unset'. */
  readonly source: string;
}

/** Parses `juju config <app> --format=json`: the charm options under `settings`, by name. */
export function parseConfigOutput(text: string): Readonly<Record<string, ConfigSetting>> {
  const doc = parseJsonObject(text, 'juju config --format=json');
  if (!isObject(doc.settings)) throw new Error(`juju config --format=json printed no settings: ${text.slice(0, 200)}`);
  return Object.fromEntries(
    Object.entries(doc.settings).map(([name, raw]) => {
      const setting = isObject(raw) ? raw : {};
      return [name, { type: stringAt(setting, 'type'), value: setting.value, default: setting.default, source: stringAt(setting, 'source') }];
    }),
  );
}
