// Stable error `type` strings. Tests, users' scripts and retry policies match on these, so they never change.

/** Error types that fail a run (ApplicationFailure.type on the workflow failure). */
export const RunErrorType = {
  InvalidAgentInput: 'InvalidAgentInput',
  MaxTokensReached: 'MaxTokensReached',
  ContextWindowExceeded: 'ContextWindowExceeded',
  UnknownStopReason: 'UnknownStopReason',
  UnknownModelPrice: 'UnknownModelPrice',
  ToolsUnavailable: 'ToolsUnavailable',
} as const;

/** Error types of the callClaude activity; the first group is retried, the second is not. */
export const ClaudeErrorType = {
  RateLimited: 'ClaudeRateLimited',
  Overloaded: 'ClaudeOverloaded',
  ServerError: 'ClaudeServerError',
  Timeout: 'ClaudeTimeout',
  ConnectionError: 'ClaudeConnectionError',
  BadRequest: 'ClaudeBadRequest',
  Authentication: 'ClaudeAuthentication',
  PermissionDenied: 'ClaudePermissionDenied',
  NotFound: 'ClaudeNotFound',
  RequestTooLarge: 'ClaudeRequestTooLarge',
} as const;

/** Claude error types that retrying cannot fix. */
export const NON_RETRYABLE_CLAUDE_ERRORS: readonly string[] = [
  ClaudeErrorType.BadRequest,
  ClaudeErrorType.Authentication,
  ClaudeErrorType.PermissionDenied,
  ClaudeErrorType.NotFound,
  ClaudeErrorType.RequestTooLarge,
];

/** Error types of a tool call; each becomes an is_error tool_result, never a failed run. */
export const ToolErrorType = {
  UnknownTool: 'ToolNotFound',
  InvalidInput: 'ToolInputInvalid',
  Timeout: 'ToolTimeout',
  Failed: 'ToolFailed',
  OutcomeUnknown: 'ToolOutcomeUnknown',
  TooManyCalls: 'TooManyToolCalls',
  SchemaChanged: 'ToolSchemaChanged',
} as const;

/** Error types of the message store (content kept out of history), on the activity that met them. */
export const StoreErrorType = {
  /** The store could not be written or read (disk full, no permission, driver down); retried. */
  Unavailable: 'MessageStoreUnavailable',
  /** The store has no such content: workers that do not share one store, or content pruned too early. */
  ContentMissing: 'MessageContentMissing',
} as const;
