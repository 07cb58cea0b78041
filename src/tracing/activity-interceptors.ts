// Spans of one attempt of a model call or a tool call, children of the span Temporal's activity interceptor
// opens for that attempt. Each attempt is its own activity execution, so each gets exactly one span, made
// where the work happens; a worker killed mid-attempt loses that attempt's span, and its retry gets its own.
import * as otel from '@opentelemetry/api';
import { CancelledFailure, defaultPayloadConverter } from '@temporalio/common';
import { ApplicationFailure } from '@temporalio/common';
import type { Context } from '@temporalio/activity';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  ActivityInterceptorsFactory,
  Next,
} from '@temporalio/worker';
import type { CallClaudeInput, CallClaudeOutput } from '../shared/activity-contract';
import type { ContentBlock, MessageParam } from '../shared/messages';
import type { ToolCallInput, ToolCallOutput } from '../shared/tools';
import { CALL_HEADER, GenAi, Run } from './attributes';
import type { CallHeader } from './attributes';
import type { Tracing } from './setup';
import { allInputTokens, callCostUsd } from './usage';

/** Temporal's activity interceptors, then the attempt spans inside them; for the main and the model-call worker. */
export function tracingActivityInterceptors(
  tracing: Tracing,
  content: boolean,
): ActivityInterceptorsFactory[] {
  return [
    (ctx) => ({
      inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
      outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
    }),
    (ctx) => ({ inbound: new AttemptSpans(ctx, tracing, content) }),
  ];
}

function headerOf(input: ActivityExecuteInput): CallHeader {
  const payload = input.headers[CALL_HEADER];
  if (!payload) return {};
  try {
    return (defaultPayloadConverter.fromPayload(payload) as CallHeader | undefined) ?? {};
  } catch {
    // A header this worker cannot read costs the span two attributes, never the call.
    return {};
  }
}

class AttemptSpans implements ActivityInboundCallsInterceptor {
  constructor(
    private readonly ctx: Context,
    private readonly tracing: Tracing,
    private readonly content: boolean,
  ) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>) {
    const { activityType, attempt, workflowExecution } = this.ctx.info;
    if (activityType !== 'callClaude' && activityType !== 'runTool') return next(input);
    const header = headerOf(input);
    const common = {
      [Run.attempt]: attempt,
      ...(workflowExecution ? { [Run.workflowId]: workflowExecution.workflowId } : {}),
      ...(header.turn !== undefined ? { [Run.turn]: header.turn } : {}),
    };
    const model = activityType === 'callClaude';
    const span = model
      ? this.modelSpan(input.args[0] as CallClaudeInput, common)
      : this.toolSpan(input.args[0] as ToolCallInput, header, common);
    return otel.context.with(otel.trace.setSpan(otel.context.active(), span), async () => {
      try {
        const output = await next(input);
        if (model) this.describeReply(span, output as CallClaudeOutput, header);
        else this.describeResult(span, output as ToolCallOutput);
        span.setAttribute(Run.status, 'ok');
        return output;
      } catch (err) {
        const cancelled = err instanceof CancelledFailure;
        span.setAttributes({
          [Run.status]: cancelled ? 'cancelled' : 'error',
          [Run.errorType]: err instanceof ApplicationFailure && err.type ? err.type : errorName(err),
        });
        span.setStatus({ code: otel.SpanStatusCode.ERROR, message: errorMessage(err) });
        throw err;
      } finally {
        span.end();
      }
    });
  }

  private modelSpan(input: CallClaudeInput, common: otel.Attributes): otel.Span {
    return this.tracing.tracer.startSpan(`chat ${input.model}`, {
      kind: otel.SpanKind.CLIENT,
      attributes: {
        ...common,
        [GenAi.operation]: 'chat',
        [GenAi.provider]: 'anthropic',
        [GenAi.system]: 'anthropic',
        [GenAi.requestModel]: input.model,
        [GenAi.requestMaxTokens]: input.maxTokens,
        // Only the messages new in this turn: the earlier ones are on the earlier turns' spans.
        ...(this.content ? { [GenAi.inputMessages]: JSON.stringify(messages(input.append)) } : {}),
      },
    });
  }

  private describeReply(span: otel.Span, reply: CallClaudeOutput, header: CallHeader): void {
    span.setAttributes({
      [GenAi.responseId]: reply.id,
      [GenAi.finishReasons]: reply.stopReason ? [reply.stopReason] : [],
      [GenAi.inputTokens]: allInputTokens(reply.usage),
      [GenAi.outputTokens]: reply.usage.output_tokens,
      [GenAi.cacheReadTokens]: reply.usage.cache_read_input_tokens,
      [GenAi.cacheCreationTokens]: reply.usage.cache_creation_input_tokens,
      [Run.toolCalls]: reply.toolUses.length,
      ...(header.pricing ? { [Run.costUsd]: callCostUsd(reply.usage, header.pricing) } : {}),
    });
    if (this.content) {
      const parts = [
        ...(reply.text ? [{ type: 'text', content: reply.text }] : []),
        ...reply.toolUses.map((use) => ({
          type: 'tool_call',
          id: use.id,
          name: use.name,
          arguments: use.input,
        })),
      ];
      span.setAttribute(
        GenAi.outputMessages,
        JSON.stringify([{ role: 'assistant', parts, finish_reason: reply.stopReason }]),
      );
    }
  }

  private toolSpan(call: ToolCallInput, header: CallHeader, common: otel.Attributes): otel.Span {
    return this.tracing.tracer.startSpan(`execute_tool ${call.name}`, {
      kind: otel.SpanKind.INTERNAL,
      attributes: {
        ...common,
        [GenAi.operation]: 'execute_tool',
        [GenAi.toolName]: call.name,
        [GenAi.toolCallId]: call.toolUseId,
        [GenAi.toolType]: 'function',
        [Run.toolName]: call.name,
        [Run.toolEffect]: header.effect ?? 'unknown',
        ...(this.content ? { [GenAi.toolArguments]: JSON.stringify(call.input) } : {}),
      },
    });
  }

  private describeResult(span: otel.Span, output: ToolCallOutput): void {
    // Results kept out of line (large ones, images) stay in the message store; the span names the reference.
    if (this.content)
      span.setAttribute(GenAi.toolResult, output.content ?? `[stored: ${output.contentRef ?? 'none'}]`);
  }
}

// The conventions' message shape, with the parts a span can usefully show; images and documents are named only.
function messages(list: MessageParam[]): unknown[] {
  return list.map((message) => ({
    role: message.role,
    parts:
      typeof message.content === 'string'
        ? [{ type: 'text', content: message.content }]
        : message.content.map(part),
  }));
}

function part(block: ContentBlock): unknown {
  switch (block.type) {
    case 'text':
      return { type: 'text', content: block.text };
    case 'tool_result':
      return {
        type: 'tool_call_response',
        id: block.tool_use_id,
        response: typeof block.content === 'string' ? block.content : '[content blocks]',
      };
    default:
      return { type: block.type };
  }
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : 'Error';
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
