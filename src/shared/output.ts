// Structured output: a run that gives `output: { schema }` ends only when the model hands over an object that
// the runtime has checked against that JSON Schema. What the workflow and the activities exchange about it is
// here, without zod, so the workflow bundle may import it; the run input's part is in output-input.ts.

/** Name of the output tool when the run gives none (the forced-tool path). */
export const DEFAULT_OUTPUT_TOOL_NAME = 'final_output';

/** The largest output schema a run may give, as JSON; it is stored once and sent with every model call. */
export const MAX_OUTPUT_SCHEMA_BYTES = 64 * 1024;

/** How many times output that fails validation is sent back to the model before the run fails InvalidOutput. */
export const MAX_OUTPUT_CORRECTIONS = 2;

/**
 * How the run gets its output, decided once by pinRun from the model (see models.ts): `native` sends the schema
 * as `output_config.format` and reads the reply's JSON text; `tool` declares the schema as the output tool, which
 * the model calls to answer.
 */
export type OutputMode = 'native' | 'tool';

/** The run plan's part about the output: what the workflow decides with. */
export interface OutputPlan {
  mode: OutputMode;
  /** The output tool's name (also in native mode, where it only names the output in messages). */
  name: string;
}

/** The stored request's part about the output (activities only): the schema to check with, and what to send. */
export interface PinnedOutput extends OutputPlan {
  /** The run's schema, normalized (objects closed); the runtime validates the answer against it. */
  schema: Record<string, unknown>;
  /** Native mode: the schema as `output_config.format` takes it (constraints it cannot take moved into descriptions). */
  format?: Record<string, unknown>;
}

/** What callClaude found of the run's output in a reply; absent when the reply holds no answer. */
export interface OutputCheck {
  /** Where the answer is: the output tool's call, or (native mode) the reply's text. */
  source: { kind: 'tool'; toolUseId: string } | { kind: 'text' };
  /** Each way the answer fails the schema, one line each; empty when it matches. */
  problems: string[];
}
