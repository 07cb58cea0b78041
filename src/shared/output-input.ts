// The run input's `output` (zod, bounded). Kept apart from output.ts, which the workflow bundle imports.
import { z } from 'zod';
import { MAX_OUTPUT_SCHEMA_BYTES } from './output';

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** The run input's `output`: the JSON Schema the run's answer must match, and the output tool's name and description. */
export const outputInputSchema = z
  .object({
    schema: z
      .record(z.string(), z.unknown())
      .refine(
        (schema) => (JSON.stringify(schema) ?? '').length <= MAX_OUTPUT_SCHEMA_BYTES,
        `the schema must be at most ${MAX_OUTPUT_SCHEMA_BYTES / 1024} KiB of JSON; describe the answer more briefly`,
      ),
    name: z
      .string()
      .regex(TOOL_NAME, 'the output name must be 1 to 64 letters, digits, "_" or "-" (it names a tool)')
      .optional(),
    description: z.string().min(1).max(4096).optional(),
  })
  .strict();

/** The run input's `output` as callers write it. */
export type OutputInput = z.input<typeof outputInputSchema>;
