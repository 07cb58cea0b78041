import type Anthropic from '@anthropic-ai/sdk';
import { Context } from '@temporalio/activity';
import type { ApiUsage, ContentBlock, MessageParam, StopReason, ToolSpec } from '../shared';
import { toClaudeFailure } from './claude-errors';
import { startHeartbeat } from './heartbeat';

/** One Messages API request, as the workflow builds it. */
export interface CallClaudeInput {
  model: string;
  maxTokens: number;
  system?: string;
  messages: MessageParam[];
  tools: ToolSpec[];
  toolChoice?: { type: 'auto' | 'any' | 'none' } | { type: 'tool'; name: string };
  disableParallelToolUse: boolean;
}

/** The parts of the model's reply the loop needs. */
export interface CallClaudeOutput {
  id: string;
  model: string;
  content: ContentBlock[];
  stopReason: StopReason | null;
  usage: ApiUsage;
}

/** Builds the Messages API request body from the workflow's request. */
export function toMessagesRequest(input: CallClaudeInput): Anthropic.MessageCreateParamsNonStreaming {
  const params: Anthropic.MessageCreateParamsNonStreaming = {
    model: input.model,
    max_tokens: input.maxTokens,
    messages: input.messages as Anthropic.MessageParam[],
  };
  if (input.system !== undefined && input.system !== '') params.system = input.system;
  // The API rejects tool_choice without tools, so both are left out when the run has no tools.
  if (input.tools.length > 0) {
    params.tools = input.tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      input_schema: tool.inputSchema as Anthropic.Tool.InputSchema,
    }));
    const choice = input.toolChoice ?? { type: 'auto' as const };
    params.tool_choice =
      input.disableParallelToolUse && choice.type !== 'none'
        ? { ...choice, disable_parallel_tool_use: true }
        : (choice as Anthropic.ToolChoice);
  }
  return params;
}

/** The callClaude activity: one streamed Messages API call that heartbeats while tokens arrive. */
export function createCallClaude(anthropic: Anthropic) {
  return async function callClaude(input: CallClaudeInput): Promise<CallClaudeOutput> {
    const ctx = Context.current();
    const stopHeartbeat = startHeartbeat(ctx);
    try {
      const stream = anthropic.messages.stream(toMessagesRequest(input), { signal: ctx.cancellationSignal });
      // Each event proves the call is alive; heartbeats are throttled by the SDK, so this is cheap.
      stream.on('streamEvent', (event) => ctx.heartbeat({ event: event.type }));
      const message = await stream.finalMessage();
      return {
        id: message.id,
        model: message.model,
        content: message.content as ContentBlock[],
        stopReason: message.stop_reason as StopReason | null,
        usage: {
          input_tokens: message.usage.input_tokens,
          output_tokens: message.usage.output_tokens,
          cache_creation_input_tokens: message.usage.cache_creation_input_tokens ?? 0,
          cache_read_input_tokens: message.usage.cache_read_input_tokens ?? 0,
        },
      };
    } catch (err) {
      // Once cancelled, report the cancellation itself, not the aborted request's error.
      if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? err;
      throw toClaudeFailure(err);
    } finally {
      stopHeartbeat();
    }
  };
}
