// Bench only: a stand-in for the few zod/mini functions the charm uses (src/juju/context.ts,
// src/charm/config.ts), swapped in by an esbuild plugin to measure what zod costs a hook.
// Same results for the charm's schemas (success, data, issue paths and messages it reads).

export interface Issue {
  path: PropertyKey[];
  message: string;
}

type Check<T> = (value: T) => string | undefined;

export interface Schema<T> {
  readonly optional: boolean;
  run(value: unknown, path: PropertyKey[], issues: Issue[]): T;
  check(...checks: Array<Check<T>>): Schema<T>;
}

function leaf<T>(accepts: (value: unknown) => boolean, message: string, checks: Array<Check<T>> = []): Schema<T> {
  return {
    optional: false,
    run(value, path, issues) {
      if (!accepts(value)) issues.push({ path, message });
      else {
        for (const check of checks) {
          const problem = check(value as T);
          if (problem !== undefined) issues.push({ path, message: problem });
        }
      }
      return value as T;
    },
    check: (...more) => leaf(accepts, message, [...checks, ...more]),
  };
}

export const string = (params?: { error?: string }): Schema<string> => leaf((v) => typeof v === 'string', params?.error ?? 'Invalid input: expected string');
export const int = (): Schema<number> => leaf((v) => Number.isSafeInteger(v), 'Invalid input: expected int');
export const regex =
  (pattern: RegExp): Check<string> =>
  (v) =>
    pattern.test(v) ? undefined : `Invalid string: must match pattern ${pattern}`;
export const minLength =
  (n: number, message?: string): Check<string> =>
  (v) =>
    v.length >= n ? undefined : (message ?? `Too small: expected string to have >=${n} characters`);
export const gte =
  (n: number): Check<number> =>
  (v) =>
    v >= n ? undefined : `Too small: expected number to be >=${n}`;
export const lte =
  (n: number): Check<number> =>
  (v) =>
    v <= n ? undefined : `Too big: expected number to be <=${n}`;
export const refine =
  <T>(ok: (value: T) => boolean): Check<T> =>
  (v) =>
    ok(v) ? undefined : 'Invalid input';

export function optional<T>(inner: Schema<T>): Schema<T | undefined> {
  return {
    optional: true,
    run: (value, path, issues) => (value === undefined ? undefined : inner.run(value, path, issues)),
    check: () => optional(inner),
  };
}

export function object(shape: Record<string, Schema<unknown>>): Schema<Record<string, unknown>> {
  return {
    optional: false,
    run(value, path, issues) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        issues.push({ path, message: 'Invalid input: expected object' });
        return {};
      }
      const out: Record<string, unknown> = {};
      for (const [key, schema] of Object.entries(shape)) {
        const v = (value as Record<string, unknown>)[key];
        if (v === undefined && schema.optional) continue;
        out[key] = schema.run(v, [...path, key], issues);
      }
      return out;
    },
    check: () => object(shape),
  };
}

export function safeParse<T>(schema: Schema<T>, value: unknown): { success: true; data: T } | { success: false; error: { issues: Issue[] } } {
  const issues: Issue[] = [];
  const data = schema.run(value, [], issues);
  return issues.length === 0 ? { success: true, data } : { success: false, error: { issues } };
}
