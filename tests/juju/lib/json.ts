// Narrowing helpers for JSON printed by the juju CLI: a missing or mistyped field reads as empty.

/** A parsed JSON object. */
export type JsonObject = { readonly [key: string]: unknown };

/** Whether a JSON value is an object (not null, not an array). */
export const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The object under `key`, or an empty one. */
export const objectAt = (object: JsonObject, key: string): JsonObject => {
  const value = object[key];
  return isObject(value) ? value : {};
};

/** The string under `key`, or ''. */
export const stringAt = (object: JsonObject, key: string): string => {
  const value = object[key];
  return typeof value === 'string' ? value : '';
};

/** The strings of the array under `key`, or []. */
export const stringsAt = (object: JsonObject, key: string): string[] => {
  const value = object[key];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
};

/** Parses text that must be one JSON object; the error names `what` printed it. */
export function parseJsonObject(text: string, what: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} did not print JSON (${(error as Error).message}): ${text.slice(0, 200)}`);
  }
  if (!isObject(value)) throw new Error(`${what} printed ${JSON.stringify(value)?.slice(0, 200)}, not a JSON object`);
  return value;
}
