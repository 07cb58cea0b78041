import { ApplicationFailure, Context } from '@temporalio/activity';
import type { z } from 'zod';
import { ToolErrorType } from '../shared';
import type { ReconcileOutput, ToolCallInput, ToolCallOutput } from '../shared';
import type { Transcripts } from './transcript';
import { startHeartbeat } from './heartbeat';
import type { ToolRegistry } from './tools/registry';

/** The tool-call activity: validates the input with the tool's zod schema, then runs the tool. */
export function createRunTool(registry: ToolRegistry, transcripts: Transcripts) {
  return async function runTool(call: ToolCallInput): Promise<ToolCallOutput> {
    const ctx = Context.current();
    const { attempt } = ctx.info;
    // Tool calls only run inside a workflow, so the execution is always there.
    const workflowId = ctx.info.workflowExecution?.workflowId ?? ctx.info.activityId;
    const fail = (type: string, message: string): never => {
      throw ApplicationFailure.create({ type, message, nonRetryable: true, details: [{ attempt }] });
    };

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
    try {
      const output = await tool.run(parsed.data, {
        idempotencyKey: `${workflowId}/${call.toolUseId}`,
        signal: ctx.cancellationSignal,
        heartbeat: (details?: unknown) => ctx.heartbeat(details),
        attempt,
        workflowId,
        toolUseId: call.toolUseId,
      });
      return { ...(await outOfLine(transcripts, toContent(output))), attempt };
    } catch (err) {
      // Once cancelled, report the cancellation itself, not whatever the aborted tool threw.
      if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? err;
      if (err instanceof ApplicationFailure) {
        // Keep the tool's own type and retryability, and record the attempt for the ledger.
        throw ApplicationFailure.create({
          type: err.type ?? ToolErrorType.Failed,
          message: err.message,
          nonRetryable: err.nonRetryable ?? false,
          details: [{ attempt }],
        });
      }
      const message = err instanceof Error ? err.message : String(err);
      throw ApplicationFailure.create({ type: ToolErrorType.Failed, message, details: [{ attempt }] });
    } finally {
      stopHeartbeat();
    }
  };
}

/** The reconcile activity: asks an unsafe tool whether the call with this run's idempotency key took effect. */
export function createReconcileTool(registry: ToolRegistry, transcripts: Transcripts) {
  return async function reconcileTool(call: Omit<ToolCallInput, 'input'>): Promise<ReconcileOutput> {
    const ctx = Context.current();
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
      toContent(answer.result ?? 'it took effect'),
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

function toContent(output: unknown): string {
  if (typeof output === 'string') return output === '' ? '(empty result)' : output;
  if (output === undefined) return '(no result)';
  return JSON.stringify(output);
}
