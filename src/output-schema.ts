// Structured output for TypeScript callers: the output given as a zod schema, which becomes the run input's JSON
// Schema at start and types (and parses) the result's `output`.
import { z } from 'zod';
import type { AgentInput, AgentResult, OutputInput } from './shared';

/** Run input whose output is a zod schema (`outputSchema`) instead of a JSON Schema (`output.schema`). */
export type TypedRunInput<S extends z.ZodType> = Omit<AgentInput, 'output'> & {
  outputSchema: S;
  /** The output tool's name and description, as in `output`. */
  output?: Omit<OutputInput, 'schema'>;
};

/** A run's result with `output` typed by its zod schema (present once the model gave a valid output). */
export type TypedResult<S extends z.ZodType> = Omit<AgentResult, 'output'> & { output?: z.output<S> };

/** The zod schema as the run input's `output.schema` (JSON Schema); throws when zod cannot express it. */
export function outputJsonSchema(schema: z.ZodType): Record<string, unknown> {
  let json: Record<string, unknown>;
  try {
    // The model writes the schema's input side; parsing it then gives the output side (defaults, transforms).
    json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw' }) as Record<string, unknown>;
  } catch (err) {
    throw new Error(
      `outputSchema cannot be expressed as JSON Schema (${(err as Error).message}). Use plain zod types (no transforms, dates or functions).`,
    );
  }
  delete json.$schema;
  return json;
}

/** The run input to send: a typed input's `outputSchema` becomes `output.schema`; other input is left as it is. */
export function toAgentInput(input: AgentInput | TypedRunInput<z.ZodType>): AgentInput {
  if (!('outputSchema' in input) || input.outputSchema === undefined) return input as AgentInput;
  const { outputSchema, output, ...rest } = input;
  return { ...rest, output: { ...output, schema: outputJsonSchema(outputSchema) } };
}

/**
 * Parses a result's output with the run's zod schema, so its type is the schema's; a result without output (the
 * run did not complete) is returned as it is. Zod checks what JSON Schema cannot say (refinements) too.
 */
export function parseOutput<S extends z.ZodType>(
  result: AgentResult,
  schema: S,
): { ok: true; result: TypedResult<S> } | { ok: false; problems: string[] } {
  if (result.output === undefined) return { ok: true, result: result as TypedResult<S> };
  const parsed = schema.safeParse(result.output);
  if (parsed.success) return { ok: true, result: { ...result, output: parsed.data as z.output<S> } };
  return {
    ok: false,
    problems: parsed.error.issues.map((i) => `${i.path.join('.') || 'output'}: ${i.message}`),
  };
}
