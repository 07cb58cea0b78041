import { z } from 'zod';

/** A tool's input schema could not be turned into a JSON Schema Claude accepts. */
export class ToolSchemaError extends Error {
  override name = 'ToolSchemaError';
}

/**
 * Derives the JSON Schema of a tool's input from its zod object schema. Objects that do not allow extra keys are
 * closed (`additionalProperties: false`); records and loose objects keep their open shape, which only costs
 * them strict tool use (see `toToolParams`).
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
  close(json);
  return json;
}

// zod leaves `additionalProperties` out of a plain z.object's input schema (it strips unknown keys rather than
// rejecting them); saying `false` tells the model not to invent keys. Also drops zod's ±MAX_SAFE_INTEGER bounds
// on integers, which say nothing to the model.
function close(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(close);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const schema = node as Record<string, unknown>;
  if (schema.type === 'object' && schema.additionalProperties === undefined) {
    schema.additionalProperties = false;
  }
  if (schema.type === 'integer') {
    if (schema.minimum === Number.MIN_SAFE_INTEGER) delete schema.minimum;
    if (schema.maximum === Number.MAX_SAFE_INTEGER) delete schema.maximum;
  }
  Object.values(schema).forEach(close);
}
