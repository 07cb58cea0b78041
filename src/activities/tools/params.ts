// The tool definitions a run sends to Claude. Tools whose input schema fits strict tool use are sent with
// `strict: true`, so the model's tool input is guaranteed to match the schema; the others are sent as they are.
import type Anthropic from '@anthropic-ai/sdk';
import { transformJSONSchema } from '@anthropic-ai/sdk/lib/transform-json-schema';
import type { ToolSpec } from '../../shared';

/**
 * The API's limits on the strict schemas of one request. Past them it refuses the whole request, so the tools
 * that would cross a limit are sent without `strict` instead.
 */
export const STRICT_LIMITS = { tools: 20, optionalParameters: 24, unionParameters: 16 } as const;

type Schema = Record<string, unknown>;

/** The `tools` of a Messages request: strict where the schema allows and the request's limits leave room. */
export function toToolParams(specs: readonly ToolSpec[]): Anthropic.Tool[] {
  const used = { tools: 0, optionalParameters: 0, unionParameters: 0 };
  return specs.map((spec) => {
    const loose: Anthropic.Tool = {
      name: spec.name,
      description: spec.description,
      input_schema: spec.inputSchema as Anthropic.Tool.InputSchema,
    };
    const strict = strictSchema(spec.inputSchema);
    if (!strict) return loose;
    const cost = { tools: 1, ...countParameters(strict) };
    const fits = (Object.keys(used) as Array<keyof typeof used>).every(
      (key) => used[key] + cost[key] <= STRICT_LIMITS[key],
    );
    if (!fits) return loose;
    for (const key of Object.keys(used) as Array<keyof typeof used>) used[key] += cost[key];
    return { ...loose, input_schema: strict as Anthropic.Tool.InputSchema, strict: true };
  });
}

/**
 * The strict-tool-use form of a tool's input schema, or undefined when it has none: records and loose objects
 * (strict tool use needs every object closed, and the SDK's transform would silently close them), recursive
 * schemas (zod writes recursion as `$ref`), and untyped values such as z.unknown(). Constraints strict tool use
 * does not support (minimum, maxLength, ...) move into the description; zod still checks them before `run`.
 */
function strictSchema(inputSchema: Schema): Schema | undefined {
  if (!closedEverywhere(inputSchema)) return undefined;
  try {
    return transformJSONSchema(inputSchema);
  } catch {
    return undefined;
  }
}

function closedEverywhere(node: unknown): boolean {
  if (Array.isArray(node)) return node.every(closedEverywhere);
  if (node === null || typeof node !== 'object') return true;
  const schema = node as Schema;
  if ('$ref' in schema || 'patternProperties' in schema) return false;
  const isObject = schema.type === 'object' || 'properties' in schema;
  if (isObject && schema.additionalProperties !== false) return false;
  return Object.entries(schema).every(
    ([key, value]) => key === 'enum' || key === 'const' || closedEverywhere(value),
  );
}

// Counts, across every object in the schema, the properties that are optional and those that are unions
// (anyOf or a list of types), which the API limits per request.
function countParameters(node: unknown): { optionalParameters: number; unionParameters: number } {
  const count = { optionalParameters: 0, unionParameters: 0 };
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    const schema = value as Schema;
    const properties = schema.properties;
    if (properties && typeof properties === 'object') {
      const required = new Set(Array.isArray(schema.required) ? schema.required : []);
      for (const [name, child] of Object.entries(properties as Record<string, Schema>)) {
        if (!required.has(name)) count.optionalParameters += 1;
        if (Array.isArray(child.anyOf) || Array.isArray(child.type)) count.unionParameters += 1;
      }
    }
    Object.values(schema).forEach(visit);
  };
  visit(node);
  return count;
}
