// Names of span attributes and of the trace header, shared by the workflow interceptors (bundled into the
// workflow sandbox, so this file imports types only) and the activity side.
import type { Pricing } from '../shared/input';

/** OpenTelemetry GenAI semantic-convention attributes the runtime sets. */
export const GenAi = {
  operation: 'gen_ai.operation.name',
  provider: 'gen_ai.provider.name',
  system: 'gen_ai.system',
  requestModel: 'gen_ai.request.model',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  responseId: 'gen_ai.response.id',
  finishReasons: 'gen_ai.response.finish_reasons',
  // All input tokens, cached ones included, as the conventions ask; the cached parts are also given apart.
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  cacheReadTokens: 'gen_ai.usage.cache_read.input_tokens',
  cacheCreationTokens: 'gen_ai.usage.cache_creation.input_tokens',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  toolType: 'gen_ai.tool.type',
  toolArguments: 'gen_ai.tool.call.arguments',
  toolResult: 'gen_ai.tool.call.result',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
} as const;

/** The run's own attributes (and the conventions' `error.type`). */
export const Run = {
  workflowId: 'durable_agent.workflow_id',
  turn: 'durable_agent.turn',
  attempt: 'durable_agent.attempt',
  toolName: 'durable_agent.tool.name',
  toolEffect: 'durable_agent.tool.effect',
  toolCalls: 'durable_agent.tool_calls',
  status: 'durable_agent.status',
  costUsd: 'durable_agent.cost_usd',
  iterations: 'durable_agent.iterations',
  errorType: 'error.type',
} as const;

/** Activity header with what the workflow knows of a call and the activity does not: its turn, the tool's effect. */
export const CALL_HEADER = 'durable-agent-call';

/** What CALL_HEADER carries (JSON). */
export interface CallHeader {
  turn?: number;
  effect?: string;
  /** USD per million tokens, to price a model call attempt where it happens. */
  pricing?: Pricing;
}
