import { ApplicationFailure, Context } from '@temporalio/activity';
import type { z } from 'zod';
import { ToolErrorType } from '../shared';
import type { ReconcileOutput, ToolCallInput, ToolCallOutput } from '../shared';
import type { Transcripts } from '../store';
import { startHeartbeat, toolHeartbeat } from './heartbeat';
import type { AnyTool } from './tools/define';
import type { ToolRegistry } from './tools/registry';
import { ToolContent, toolOutputText } from './tool-output';
import { redactDeep } from './redact';
import type { Redact } from './redact';
import type { StuckCalls } from './stuck-calls';
import { runInChild } from './isolated-tool';
import { emitToolEvents } from './stream-events';
import type { StreamWriter } from '../streams/writer';

/** What the tool activities share besides the registry and the store. */
export interface ToolRuntime {
  redact: Redact;
  stuck: StuckCalls;
  /** How long a tool may go on after its abort signal fired before its slot is freed. */
  stopGraceMs: number;
  /** Where tool_started and tool_finished go; absent or off: nowhere. */
  streams?: StreamWriter;
}

/** The tool-call activity: validates the input with the tool's zod schema, then runs the tool. */
export function createRunTool(registry: ToolRegistry, transcripts: Transcripts, runtime: ToolRuntime) {
  const { redact } = runtime;
  return async function runTool(call: ToolCallInput): Promise<ToolCallOutput> {
    const ctx = Context.current();
    const { attempt } = ctx.info;
    // Tool calls only run inside a workflow, so the execution is always there.
    const workflowId = ctx.info.workflowExecution?.workflowId ?? ctx.info.activityId;
    const fail = (type: string, message: string): never => {
      throw ApplicationFailure.create({ type, message, nonRetryable: true, details: [{ attempt }] });
    };

    await registry.refresh?.(call.name);
    const tool = registry.get(call.name);
    const spec = registry.spec(call.name);
    if (!tool || !spec) {
      return fail(
        ToolErrorType.SchemaChanged,
        `the worker that took this call has no tool named "${call.name}"; it was removed after the run started.`,
      );
    }
    if (spec.schemaHash !== call.schemaHash) {
      return fail(
        ToolErrorType.SchemaChanged,
        `the tool "${call.name}" changed after the run started (its input schema or effect differs), so the call was not made.`,
      );
    }
    const parsed = tool.input.safeParse(call.input);
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (i: z.core.$ZodIssue) => `- ${i.path.length > 0 ? i.path.join('.') : 'input'}: ${i.message}`,
      );
      return fail(ToolErrorType.InvalidInput, problems.join('\n'));
    }

    const stopHeartbeat = startHeartbeat(ctx);
    const { turn } = call;
    const event = { turn: turn ?? 0, toolUseId: call.toolUseId, name: call.name };
    // Not awaited: the tool does not wait for its readers (the writer keeps this before tool_finished).
    if (turn !== undefined)
      void emitToolEvents(runtime.streams, ctx, [{ type: 'tool_started', ...event, attempt }]);
    try {
      const output = await runOnce(
        tool,
        parsed.data,
        call,
        workflowId,
        runtime,
        registry.isolatedModule?.(call.name),
      );
      // The tool has done its work: from here on nothing may fail the call, or it would run again.
      const result =
        output instanceof ToolContent
          ? { ...(await keepContent(transcripts, output, redact)), attempt }
          : { ...(await outOfLine(transcripts, resultText(call.name, output, redact))), attempt };
      if (turn !== undefined) {
        const finished = { type: 'tool_finished', ...event, status: 'succeeded', isError: false } as const;
        await emitToolEvents(runtime.streams, ctx, [finished]);
      }
      return result;
    } finally {
      stopHeartbeat();
    }
  };
}

// Runs the tool and turns what it throws into a typed failure; only errors of the tool itself come out of here.
async function runOnce(
  tool: AnyTool,
  input: unknown,
  call: ToolCallInput,
  workflowId: string,
  { redact, stuck, stopGraceMs }: ToolRuntime,
  isolatedModule: string | undefined,
) {
  const ctx = Context.current();
  const { attempt } = ctx.info;
  try {
    if (isolatedModule !== undefined) {
      return await runInChild(isolatedModule, tool, input, call, workflowId, { redact, stopGraceMs });
    }
    const work = Promise.resolve().then(() =>
      tool.run(input, {
        idempotencyKey: `${workflowId}/${call.toolUseId}`,
        signal: ctx.cancellationSignal,
        heartbeat: toolHeartbeat(ctx, (details) => redactDeep(details, redact)),
        attempt,
        workflowId,
        toolUseId: call.toolUseId,
      }),
    );
    const identity = { tool: call.name, workflowId, toolUseId: call.toolUseId };
    return await stuck.watch(work, ctx.cancellationSignal, stopGraceMs, identity, () =>
      ctx.log.error(
        `tool "${call.name}" ignored its abort signal for ${stopGraceMs / 1000}s after it was stopped; its slot is freed but its code may still be running, and the worker reports itself unhealthy until it ends`,
        identity,
      ),
    );
  } catch (err) {
    // Once cancelled, report the cancellation itself, not whatever the aborted tool threw.
    if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? err;
    if (err instanceof ApplicationFailure) {
      // Keep the tool's own type and retryability, and record the attempt for the ledger.
      throw ApplicationFailure.create({
        type: err.type ?? ToolErrorType.Failed,
        message: redact(err.message),
        nonRetryable: err.nonRetryable ?? false,
        details: [{ attempt }],
      });
    }
    const message = redact(err instanceof Error ? err.message : String(err));
    throw ApplicationFailure.create({ type: ToolErrorType.Failed, message, details: [{ attempt }] });
  }
}

// What JSON cannot hold is converted and reported once, in the worker's log, never as a failure of the call.
function resultText(name: string, output: unknown, redact: Redact): string {
  const { text, lost } = toolOutputText(output);
  if (lost.length > 0) {
    Context.current().log.warn(
      `tool "${name}" returned values JSON cannot hold: ${redact(lost.join('; '))}`,
      {
        tool: name,
      },
    );
  }
  return redact(text);
}

/** The reconcile activity: asks an unsafe tool whether the call with this run's idempotency key took effect. */
export function createReconcileTool(registry: ToolRegistry, transcripts: Transcripts, redact: Redact) {
  return async function reconcileTool(call: Omit<ToolCallInput, 'input'>): Promise<ReconcileOutput> {
    const ctx = Context.current();
    await registry.refresh?.(call.name);
    const tool = registry.get(call.name);
    if (!tool?.reconcile || registry.spec(call.name)?.schemaHash !== call.schemaHash) {
      throw ApplicationFailure.create({
        type: ToolErrorType.SchemaChanged,
        nonRetryable: true,
        message: `the tool "${call.name}" has no reconcile on this worker, or changed since the run started.`,
      });
    }
    const workflowId = ctx.info.workflowExecution?.workflowId ?? ctx.info.activityId;
    const stopHeartbeat = startHeartbeat(ctx);
    const answer = await Promise.resolve(
      tool.reconcile(`${workflowId}/${call.toolUseId}`, { signal: ctx.cancellationSignal }),
    ).finally(stopHeartbeat);
    if (!answer || typeof answer.happened !== 'boolean') {
      throw ApplicationFailure.create({
        type: ToolErrorType.Failed,
        nonRetryable: true,
        message: `reconcile of "${call.name}" must return { happened: true, result? } or { happened: false }.`,
      });
    }
    if (!answer.happened) return { happened: false };
    const { bytes: _bytes, ...text } = await outOfLine(
      transcripts,
      resultText(call.name, answer.result ?? 'it took effect', redact),
    );
    return { happened: true, ...text };
  };
}

// Large results go to the message store and only their reference into history, which keeps the run's
// history linear in its new content and every payload far below Temporal's 2 MiB limit.
// A store that fails here must not fail the call: the tool already ran, and a retry would run it again.
async function outOfLine(transcripts: Transcripts, text: string) {
  return { ...(await transcripts.keepResult(text)), bytes: Buffer.byteLength(text) };
}

// Only the text is redacted: an image's bytes are not text a secret could be found in.
async function keepContent(transcripts: Transcripts, output: ToolContent, redact: Redact) {
  const blocks = output.blocks.map((block) =>
    block.type === 'text' ? { ...block, text: redact(block.text) } : block,
  );
  const bytes = Buffer.byteLength(JSON.stringify(blocks));
  return { ...(await transcripts.keepBlocks(blocks, redact(output.text))), bytes };
}
