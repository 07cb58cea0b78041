// Workflow interceptors of a traced worker, bundled into the workflow sandbox: Temporal's OpenTelemetry
// interceptors (a span for the run, each activity and child workflow started) plus one span per turn, parent of
// that turn's model call, tool calls and sub-agents. Workflow spans leave through the `exporter` sink, which the
// SDK does not call while a workflow replays, and their IDs come from the workflow's seeded randomness: a
// replayed turn is the same span again, emitted only by the worker that ends it outside replay.
import * as otel from '@opentelemetry/api';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import * as wf from '@temporalio/workflow';
import type {
  ActivityInput,
  LocalActivityInput,
  Next,
  StartChildWorkflowExecutionInput,
  WorkflowExecuteInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import type { CallClaudeOutput } from '../shared/activity-contract';
import type { AgentResult } from '../shared/result';
import type { PinnedRun, RunPlan, ToolPolicy } from '../shared/run-plan';
import type { ToolCallInput, ToolCallOutput } from '../shared/tools';
import { RESUME_KIND } from '../workflows/resume';
import { CALL_HEADER, GenAi, Run } from './attributes';
import type { CallHeader } from './attributes';
import { allInputTokens, callCostUsd } from './usage';

// The span of the turn in progress, the context its calls start in, and its number.
interface OpenTurn {
  span: otel.Span;
  context: otel.Context;
  turn: number;
}

// What one run knows for its spans; one per workflow execution, since the factory below runs per execution.
class RunTrace {
  private readonly tracer = otel.trace.getTracer('durable-agent');
  private turn = 0;
  private open: OpenTurn | undefined;
  plan: RunPlan | undefined;
  private readonly effects = new Map<string, string>();

  learn(plan: RunPlan, tools: ToolPolicy[]): void {
    this.plan = plan;
    for (const tool of tools) this.effects.set(tool.name, tool.effect);
  }

  /** The declared effect of a tool, or 'unknown' for one the plan does not name. */
  effectOf(tool: string): string {
    return this.effects.get(tool) ?? 'unknown';
  }

  /** A continued run goes on counting turns where the previous run of its chain stopped. */
  resumeFrom(iterations: number): void {
    this.turn = iterations;
  }

  // Each model call opens the next turn: the loop makes exactly one per iteration, so the count matches its own.
  beginTurn(): OpenTurn {
    this.endTurn();
    const parent = otel.context.active();
    const turn = ++this.turn;
    const span = this.tracer.startSpan(
      `turn ${turn}`,
      {
        attributes: {
          [Run.workflowId]: wf.workflowInfo().workflowId,
          [Run.turn]: turn,
          ...(this.plan ? { [GenAi.requestModel]: this.plan.model } : {}),
        },
      },
      parent,
    );
    this.open = { span, context: otel.trace.setSpan(parent, span), turn };
    return this.open;
  }

  current(): OpenTurn | undefined {
    return this.open;
  }

  endTurn(): void {
    this.open?.span.end();
    this.open = undefined;
  }
}

function turnOf(run: RunTrace): { [Run.turn]?: number } {
  const open = run.current();
  return open ? { [Run.turn]: open.turn } : {};
}

function errorTypeOf(err: unknown): string {
  const cause = err instanceof wf.ActivityFailure || err instanceof wf.ChildWorkflowFailure ? err.cause : err;
  if (cause instanceof wf.ApplicationFailure && cause.type) return cause.type;
  if (cause instanceof wf.CancelledFailure) return 'cancelled';
  return cause instanceof Error ? cause.name : 'Error';
}

function markFailed(span: otel.Span, err: unknown): void {
  span.setAttribute(Run.errorType, errorTypeOf(err));
  span.setStatus({
    code: otel.SpanStatusCode.ERROR,
    message: err instanceof Error ? err.message : String(err),
  });
}

// Outer outbound interceptor: every call a turn makes is started inside the turn's span, so the spans Temporal's
// interceptor creates for it (next in the chain) are the turn's children; the call header tells the activity
// which turn it serves.
class TurnOutbound implements WorkflowOutboundCallsInterceptor {
  constructor(private readonly run: RunTrace) {}

  async scheduleActivity(
    input: ActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>,
  ): Promise<unknown> {
    if (input.activityType === 'pinRun') {
      const pinned = (await next(input)) as PinnedRun;
      this.run.learn(pinned.plan, pinned.tools);
      return pinned;
    }
    const turn = input.activityType === 'callClaude' ? this.run.beginTurn() : this.run.current();
    if (!turn) return next(input);
    const call = otel.context.with(turn.context, () =>
      next({ ...input, headers: this.withCallHeader(input, turn.turn) }),
    );
    if (input.activityType !== 'callClaude') return call;
    try {
      const reply = (await call) as CallClaudeOutput;
      this.describeTurn(turn.span, reply);
      return reply;
    } catch (err) {
      markFailed(turn.span, err);
      throw err;
    }
  }

  // Only tool calls run as local activities (runAs: 'localActivity'); they belong to their turn as others do.
  async scheduleLocalActivity(
    input: LocalActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ): Promise<unknown> {
    const turn = this.run.current();
    if (!turn) return next(input);
    return otel.context.with(turn.context, () =>
      next({ ...input, headers: this.withCallHeader(input, turn.turn) }),
    );
  }

  private withCallHeader(input: ActivityInput | LocalActivityInput, turn: number): ActivityInput['headers'] {
    const header: CallHeader = {
      turn,
      ...(input.activityType === 'runTool'
        ? { effect: this.run.effectOf((input.args[0] as ToolCallInput).name) }
        : {}),
      ...(input.activityType === 'callClaude' && this.run.plan ? { pricing: this.run.plan.pricing } : {}),
    };
    return { ...input.headers, [CALL_HEADER]: wf.defaultPayloadConverter.toPayload(header) };
  }

  async startChildWorkflowExecution(
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ): Promise<[Promise<string>, Promise<unknown>]> {
    const turn = this.run.current();
    return turn ? otel.context.with(turn.context, () => next(input)) : next(input);
  }

  private describeTurn(span: otel.Span, reply: CallClaudeOutput): void {
    span.setAttributes({
      [GenAi.inputTokens]: allInputTokens(reply.usage),
      [GenAi.outputTokens]: reply.usage.output_tokens,
      [GenAi.finishReasons]: reply.stopReason ? [reply.stopReason] : [],
      [Run.toolCalls]: reply.toolUses.length,
      ...(this.run.plan ? { [Run.costUsd]: callCostUsd(reply.usage, this.run.plan.pricing) } : {}),
    });
  }
}

// Inner outbound interceptor: runs inside the span Temporal's interceptor opened for a tool call (all its
// attempts), and names the tool, its effect and how the call ended on it.
class ToolCallOutbound implements WorkflowOutboundCallsInterceptor {
  constructor(private readonly run: RunTrace) {}

  scheduleActivity(
    input: ActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>,
  ): Promise<unknown> {
    return this.describe(input, next);
  }

  scheduleLocalActivity(
    input: LocalActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ): Promise<unknown> {
    return this.describe(input, next);
  }

  private async describe<I extends ActivityInput | LocalActivityInput>(
    input: I,
    next: (input: I) => Promise<unknown>,
  ): Promise<unknown> {
    const span = otel.trace.getActiveSpan();
    if (input.activityType !== 'runTool' || !span) return next(input);
    const call = input.args[0] as ToolCallInput;
    span.setAttributes({
      [Run.workflowId]: wf.workflowInfo().workflowId,
      [Run.toolName]: call.name,
      [Run.toolEffect]: this.run.effectOf(call.name),
      [GenAi.toolName]: call.name,
      [GenAi.toolCallId]: call.toolUseId,
      ...turnOf(this.run),
    });
    try {
      const output = (await next(input)) as ToolCallOutput;
      span.setAttributes({ [Run.status]: 'ok', [Run.attempt]: output.attempt });
      return output;
    } catch (err) {
      span.setAttribute(Run.status, 'error');
      span.setAttribute(Run.errorType, errorTypeOf(err));
      throw err;
    }
  }
}

// Inner inbound interceptor: runs inside the run's span; learns a continued run's plan and turn count from the
// state its previous run handed over, closes the last turn, and puts the run's outcome on the run's span.
class RunInbound implements WorkflowInboundCallsInterceptor {
  constructor(private readonly run: RunTrace) {}

  async execute(
    input: WorkflowExecuteInput,
    next: Next<WorkflowInboundCallsInterceptor, 'execute'>,
  ): Promise<unknown> {
    const span = otel.trace.getActiveSpan();
    const resume = input.args[1] as
      { kind?: unknown; plan?: RunPlan; tools?: ToolPolicy[]; iterations?: number } | undefined;
    if (resume?.kind === RESUME_KIND && resume.plan) {
      this.run.learn(resume.plan, resume.tools ?? []);
      this.run.resumeFrom(resume.iterations ?? 0);
    }
    span?.setAttributes({
      [GenAi.operation]: 'invoke_agent',
      [Run.workflowId]: wf.workflowInfo().workflowId,
    });
    try {
      const result = await next(input);
      if (span && isAgentResult(result)) this.describeRun(span, result);
      return result;
    } catch (err) {
      if (span && !(err instanceof wf.ContinueAsNew)) span.setAttribute(Run.errorType, errorTypeOf(err));
      throw err;
    } finally {
      this.run.endTurn();
    }
  }

  private describeRun(span: otel.Span, result: AgentResult): void {
    span.setAttributes({
      [Run.status]: result.status,
      [Run.costUsd]: result.costUsd,
      [Run.iterations]: result.iterations,
      [GenAi.inputTokens]:
        result.usage.inputTokens + result.usage.cacheReadInputTokens + result.usage.cacheCreationInputTokens,
      [GenAi.outputTokens]: result.usage.outputTokens,
      ...(this.run.plan ? { [GenAi.requestModel]: this.run.plan.model } : {}),
    });
  }
}

function isAgentResult(value: unknown): value is AgentResult {
  return typeof value === 'object' && value !== null && 'status' in value && 'usage' in value;
}

/** The interceptors of one workflow execution: Temporal's OpenTelemetry ones, wrapped around the turn spans. */
export const interceptors = (): WorkflowInterceptors => {
  const run = new RunTrace();
  // Inbound: Temporal's first (it opens the run's span), then ours inside it. Outbound: ours first (the turn's
  // context), Temporal's inside it (the call's span), then the tool-call attributes inside that span.
  return {
    inbound: [new OpenTelemetryInboundInterceptor(), new RunInbound(run)],
    outbound: [new TurnOutbound(run), new OpenTelemetryOutboundInterceptor(), new ToolCallOutbound(run)],
    internals: [new OpenTelemetryInternalsInterceptor()],
  };
};
