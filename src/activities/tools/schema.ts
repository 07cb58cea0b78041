import { z } from 'zod';

/** A tool's input schema could not be turned into a JSON Schema Claude accepts. */
export class ToolSchemaError extends Error {
  override name = 'ToolSchemaError';
}

/**
 * Derives the JSON Schema sent to Claude from a zod object schema. Every object is closed
 * (`additionalProperties: false`) so the schema is valid for `strict: true` tool use.
 */
export function toInputSchema(toolName: string, schema: z.ZodType): Record<string, unknown> {
  let json: Record<string, unknown>;
  try {
    json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw' }) as Record<string, unknown>;
  } catch (err) {
    throw new ToolSchemaError(
      `tool "${toolName}": its input schema cannot be expressed as JSON Schema (${(err as Error).message}). Use plain zod types (no transforms, dates or functions).`,
    );
  }
  delete json.$schema;
  if (json.type !== 'object') {
    throw new ToolSchemaError(
      `tool "${toolName}": the input schema must be a z.object(...), got JSON Schema type ${JSON.stringify(json.type)}.`,
    );
  }
  close(toolName, json, 'input');
  return json;
}

// Closes every object schema and drops zod's ±MAX_SAFE_INTEGER bounds on integers, which say nothing to the
// model and which strict tool use does not accept.
function close(toolName: string, node: unknown, path: string): void {
  if (Array.isArray(node)) {
    node.forEach((child, i) => close(toolName, child, `${path}[${i}]`));
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const schema = node as Record<string, unknown>;
  if (schema.type === 'object') {
    const extra = schema.additionalProperties;
    if (extra !== undefined && extra !== false) {
      throw new ToolSchemaError(
        `tool "${toolName}": ${path} allows extra properties; strict tool use needs closed objects, so use z.object (not z.looseObject, z.record or .catchall).`,
      );
    }
    schema.additionalProperties = false;
  }
  if (schema.type === 'integer') {
    if (schema.minimum === Number.MIN_SAFE_INTEGER) delete schema.minimum;
    if (schema.maximum === Number.MAX_SAFE_INTEGER) delete schema.maximum;
  }
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && value && typeof value === 'object') {
      for (const [prop, child] of Object.entries(value)) close(toolName, child, `${path}.${prop}`);
    } else if (typeof value === 'object') {
      close(toolName, value, `${path}.${key}`);
    }
  }
}
