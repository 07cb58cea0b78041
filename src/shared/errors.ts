// Stable error `type` strings. Tests, users' scripts and retry policies match on these, so they never change.

/** Error types that fail a run (ApplicationFailure.type on the workflow failure). */
export const RunErrorType = {
  InvalidAgentInput: 'InvalidAgentInput',
  MaxTokensReached: 'MaxTokensReached',
  ContextWindowExceeded: 'ContextWindowExceeded',
  UnknownStopReason: 'UnknownStopReason',
  UnknownModelPrice: 'UnknownModelPrice',
  ToolsUnavailable: 'ToolsUnavailable',
  /** An MCP server the run names could not be started or reached when the run pinned its tools. */
  McpServerUnavailable: 'McpServerUnavailable',
  /** An activity failed without a type of its own. */
  ActivityFailed: 'ActivityFailed',
  ToolUseWithoutToolCall: 'ToolUseWithoutToolCall',
  DuplicateToolUseId: 'DuplicateToolUseId',
  InvalidActivityResult: 'InvalidActivityResult',
  /** The model's output failed the run's output schema once more after being sent back twice. */
  InvalidOutput: 'InvalidOutput',
} as const;

/** Error types of the callClaude activity that are about the runtime, not the API. */
export const ModelCallErrorType = {
  /** The model's reply is too large to be an activity result in history; not retried. */
  PayloadTooLarge: 'PayloadTooLarge',
  /** This worker cannot read the run's stored messages (workers that do not share the store); retried. */
  MessageContentMissing: 'MessageContentMissing',
} as const;

/**
 * Error types of the callClaude activity for the API's answers. Whether one is retried is decided per failure
 * (its nonRetryable flag): the status decides by default, and the API's `x-should-retry` header overrides it.
 */
export const ClaudeErrorType = {
  RateLimited: 'ClaudeRateLimited',
  Overloaded: 'ClaudeOverloaded',
  ServerError: 'ClaudeServerError',
  Timeout: 'ClaudeTimeout',
  ConnectionError: 'ClaudeConnectionError',
  /** 408: the API gave up waiting for the request; retried. */
  RequestTimeout: 'ClaudeRequestTimeout',
  /** 409: a conflict (lock timeout) on the API's side; retried. */
  Conflict: 'ClaudeConflict',
  /** The stream sent no content event for longer than the stream idle timeout; retried. */
  StreamStalled: 'ClaudeStreamStalled',
  BadRequest: 'ClaudeBadRequest',
  Authentication: 'ClaudeAuthentication',
  PermissionDenied: 'ClaudePermissionDenied',
  NotFound: 'ClaudeNotFound',
  RequestTooLarge: 'ClaudeRequestTooLarge',
  /** 400 "prompt is too long: N tokens > M maximum": the run compacts its context and asks again. */
  PromptTooLong: 'ClaudePromptTooLong',
} as const;

/** Error types of a tool call; each becomes an is_error tool_result, never a failed run. */
export const ToolErrorType = {
  UnknownTool: 'ToolNotFound',
  InvalidInput: 'ToolInputInvalid',
  Timeout: 'ToolTimeout',
  Failed: 'ToolFailed',
  OutcomeUnknown: 'ToolOutcomeUnknown',
  TooManyCalls: 'TooManyToolCalls',
  SchemaChanged: 'ToolSchemaChanged',
  /** The child process of an isolated call ended (process.exit, a crash, a kill) before it answered. */
  ProcessExited: 'ToolProcessExited',
  /** A sub-agent's child run ended without completing its task (budget, limit, refusal, cancel). */
  SubagentIncomplete: 'SubagentIncomplete',
  /** A sub-agent's child run failed (its workflow failed) and returned no result. */
  SubagentFailed: 'SubagentFailed',
  /** A sub-agent was not started: the run had no token or cost budget left to give it. */
  BudgetSpent: 'SubagentBudgetSpent',
} as const;

/** Error types of the message store (content kept out of history), on the activity that met them. */
export const StoreErrorType = {
  /** The store could not be written or read (disk full, no permission, driver down); retried. */
  Unavailable: 'MessageStoreUnavailable',
  /** The store has no such content: workers that do not share one store, or content pruned too early. */
  ContentMissing: ModelCallErrorType.MessageContentMissing,
} as const;

/** Error types of the process configuration (the DURABLE_AGENT_* variables). */
export const ConfigErrorType = {
  /** Several variables have bad values; the message names each. */
  InvalidSettings: 'InvalidSettings',
} as const;

/** Error types of run event streams (the live events readers follow; see src/streams/). */
export const StreamErrorType = {
  /** DURABLE_AGENT_STREAM does not fit the worker (the default backend with a store that is not a directory). */
  Misconfigured: 'StreamMisconfigured',
  /** The stream backend (its directory, or Redis) could not be written or read. */
  Unavailable: 'StreamUnavailable',
} as const;
