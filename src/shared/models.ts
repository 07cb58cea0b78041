// What the runtime knows of each model family beyond its price (pricing.ts). Matched by prefix, like the price
// table, so dated IDs (claude-sonnet-4-5-20250929) find their family. pinRun reads it once per run and records
// the decision in the run plan, so editing this table never changes a run in flight.

// Models that take `output_config.format` (native structured outputs). Others get the forced output tool.
const NATIVE_STRUCTURED_OUTPUT: readonly string[] = [
  'claude-opus-4-5',
  'claude-opus-4-6',
  'claude-opus-4-7',
  'claude-sonnet-4-5',
  'claude-sonnet-4-6',
  'claude-haiku-4-5',
];

/** Whether the API takes a JSON Schema as `output_config.format` for this model. */
export function supportsNativeOutput(model: string): boolean {
  return NATIVE_STRUCTURED_OUTPUT.some((prefix) => model === prefix || model.startsWith(`${prefix}-`));
}
