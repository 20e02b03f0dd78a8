/**
 * Whether this run is CI, where a missing prerequisite must fail a suite instead of skipping it.
 * CI systems set CI to `true`, `1`, `yes` or anything else: only unset, empty, `0` and `false`
 * mean "not CI".
 */
export const inCI = (env: Readonly<Record<string, string | undefined>> = process.env): boolean => !['', '0', 'false', 'no'].includes((env.CI ?? '').trim().toLowerCase());
