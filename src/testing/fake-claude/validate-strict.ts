// Strict tool use compiles each strict tool's input schema into a grammar for constrained decoding, so the real
// API accepts only a subset of JSON Schema there, and only so much of it per request. The fake refuses the same
// requests, so a runtime that sends `strict: true` finds out in tests, not in production.
import { reject } from './errors';
import type { JsonObject } from './json';
import { at, isObject } from './json';

/** The real API's per-request limits on strict tools. */
const STRICT_TOOL_LIMITS = { tools: 20, optionalParameters: 24, unionParameters: 16 } as const;

// Constraints constrained decoding cannot enforce; the API refuses them rather than ignore them silently.
const UNSUPPORTED = [
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'patternProperties',
  'propertyNames',
];

/**
 * Rejects a strict tool's schema with an open object or a keyword strict tool use does not support. Structured
 * outputs (`output_config.format`) compile their schema the same way; `feature` names which one refused it.
 */
export function validateStrictSchema(schema: unknown, path: string, feature = 'strict tools'): void {
  if (Array.isArray(schema)) {
    schema.forEach((item, index) => validateStrictSchema(item, at(path, index), feature));
    return;
  }
  if (!isObject(schema)) return;
  const type = schema['type'];
  const typeName = Array.isArray(type) ? type.join('|') : String(type);
  const isObjectSchema =
    type === 'object' || (Array.isArray(type) && type.includes('object')) || isObject(schema['properties']);
  if (isObjectSchema && schema['additionalProperties'] !== false) {
    reject(path, `For 'object' type, 'additionalProperties' must be explicitly set to false (${feature})`);
  }
  for (const key of UNSUPPORTED) {
    if (key in schema)
      reject(path, `For '${typeName}' type, property '${key}' is not supported (${feature})`);
  }
  const minItems = schema['minItems'];
  if (minItems !== undefined && minItems !== 0 && minItems !== 1) {
    reject(path, `For 'array' type, 'minItems' values other than 0 or 1 are not supported (${feature})`);
  }
  const ref = schema['$ref'];
  if (typeof ref === 'string' && !ref.startsWith('#')) {
    reject(path, `External '$ref' is not supported (${feature}): ${ref}`);
  }
  for (const key of ['properties', '$defs', 'definitions']) {
    const children = schema[key];
    if (isObject(children)) {
      for (const [name, child] of Object.entries(children))
        validateStrictSchema(child, at(at(path, key), name), feature);
    }
  }
  for (const key of ['items', 'prefixItems', 'anyOf', 'oneOf', 'allOf', 'not']) {
    if (schema[key] !== undefined) validateStrictSchema(schema[key], at(path, key), feature);
  }
}

/** Rejects a request whose strict tools together pass the API's limits. */
export function validateStrictLimits(strictTools: JsonObject[]): void {
  const { tools, optionalParameters, unionParameters } = STRICT_TOOL_LIMITS;
  if (strictTools.length > tools) {
    reject(
      'tools',
      `Too many strict tools (${strictTools.length}). The maximum number of strict tools is ${tools}.`,
    );
  }
  const count = { optional: 0, union: 0 };
  strictTools.forEach((tool) => countParameters(tool['input_schema'], count));
  if (count.optional > optionalParameters) {
    reject(
      'tools',
      `Too many optional parameters across strict tool schemas (${count.optional}). The maximum is ${optionalParameters}.`,
    );
  }
  if (count.union > unionParameters) {
    reject(
      'tools',
      `Too many parameters with union types (anyOf or type arrays) across strict tool schemas (${count.union}). The maximum is ${unionParameters}.`,
    );
  }
}

function countParameters(schema: unknown, count: { optional: number; union: number }): void {
  if (Array.isArray(schema)) return schema.forEach((item) => countParameters(item, count));
  if (!isObject(schema)) return;
  const properties = schema['properties'];
  if (isObject(properties)) {
    const required = Array.isArray(schema['required']) ? schema['required'] : [];
    for (const [name, child] of Object.entries(properties)) {
      if (!required.includes(name)) count.optional += 1;
      if (isObject(child) && (Array.isArray(child['anyOf']) || Array.isArray(child['type'])))
        count.union += 1;
    }
  }
  Object.values(schema).forEach((value) => countParameters(value, count));
}
