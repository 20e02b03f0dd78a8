// Command-line parsing as the juju CLI (gnuflag) does it: `--flag value`, `--flag=value`,
// `-f value`, flags anywhere among the arguments, `--` ends them. An undeclared flag is an error.

/** A flag a command accepts: its names (long first) and whether it takes a value. */
export interface FlagSpec {
  readonly names: readonly string[];
  readonly value: boolean;
}

/** Parsed arguments: flag values by long name (repeatable flags keep every value), positionals. */
export interface ParsedArgs {
  readonly flags: ReadonlyMap<string, readonly string[]>;
  readonly positional: readonly string[];
}

/** A usage error: juju exits 2 for these. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A flag that takes a value. */
export const valued = (...names: string[]): FlagSpec => ({ names, value: true });
/** A boolean flag. */
export const boolean = (...names: string[]): FlagSpec => ({ names, value: false });

/** Parses `args` against `specs`; throws UsageError for an undeclared flag or a missing value. */
export function parseArgs(args: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const flags = new Map<string, string[]>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const [given, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const name = given.replace(/^--?/, '');
    const spec = specs.find((s) => s.names.includes(name));
    if (spec === undefined) throw new UsageError(`option provided but not defined: ${given}`);
    const long = spec.names[0] ?? name;
    let value: string;
    if (!spec.value) {
      value = inline ?? 'true';
      if (value !== 'true' && value !== 'false') throw new UsageError(`invalid boolean value "${value}" for flag ${given}`);
    } else if (inline !== undefined) {
      value = inline;
    } else {
      const next = args[i + 1];
      if (next === undefined) throw new UsageError(`flag needs an argument: ${given}`);
      value = next;
      i += 1;
    }
    flags.set(long, [...(flags.get(long) ?? []), value]);
  }
  return { flags, positional };
}

/** The last value of a flag, or undefined. */
export const flagValue = (parsed: ParsedArgs, name: string): string | undefined => parsed.flags.get(name)?.at(-1);

/** Whether a boolean flag is set (and not =false). */
export const flagSet = (parsed: ParsedArgs, name: string): boolean => flagValue(parsed, name) === 'true';
