import { reject } from './errors';

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>;

/** True for plain JSON objects (not arrays, not null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Joins a JSON path the way the real API prints it: `messages.2.content.0`. */
export function at(path: string, key: string | number): string {
  return path ? `${path}.${key}` : String(key);
}

/** Rejects `value` unless it is a JSON object. */
export function requireObject(value: unknown, path: string): JsonObject {
  if (!isObject(value)) reject(path, 'Input should be a valid dictionary or object');
  return value;
}

/** Rejects fields outside `allowed`, as the real API's schema does (`foo: Extra inputs are not permitted`). */
export function rejectExtraFields(value: JsonObject, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) reject(at(path, key), 'Extra inputs are not permitted');
  }
}

/** Rejects a missing or non-string field and returns the string. */
export function requireString(value: JsonObject, key: string, path: string): string {
  const field = value[key];
  if (field === undefined) reject(at(path, key), 'Field required');
  if (typeof field !== 'string') reject(at(path, key), 'Input should be a valid string');
  return field;
}

/** Rejects a present field that is not a boolean. */
export function optionalBoolean(value: JsonObject, key: string, path: string): void {
  if (value[key] !== undefined && typeof value[key] !== 'boolean') {
    reject(at(path, key), 'Input should be a valid boolean');
  }
}

/**
 * Checks a block's `cache_control` and returns 1 when it sets a breakpoint, so callers can enforce the real
 * API's limit of four per request.
 */
export function cacheBreakpoint(value: JsonObject, path: string): number {
  const control = value['cache_control'];
  if (control === undefined || control === null) return 0;
  const where = at(path, 'cache_control');
  const object = requireObject(control, where);
  rejectExtraFields(object, ['type', 'ttl'], where);
  if (object['type'] !== 'ephemeral') reject(at(where, 'type'), "Input should be 'ephemeral'");
  if (object['ttl'] !== undefined && object['ttl'] !== '5m' && object['ttl'] !== '1h') {
    reject(at(where, 'ttl'), "Input should be '5m' or '1h'");
  }
  return 1;
}
