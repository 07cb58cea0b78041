import { ApplicationFailure, Context } from '@temporalio/activity';
import type { z } from 'zod';
import { ToolErrorType } from '../shared';
import type { ToolCallInput, ToolCallOutput } from '../shared';
import { startHeartbeat } from './heartbeat';
import type { ToolRegistry } from './tools/registry';

/** Output of the tool activity: the result text and the attempt that produced it. */
export interface RunToolOutput extends ToolCallOutput {
  attempt: number;
}

/** The tool-call activity: validates the input with the tool's zod schema, then runs the tool. */
export function createRunTool(registry: ToolRegistry) {
  return async function runTool(call: ToolCallInput): Promise<RunToolOutput> {
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
      return { content: toContent(output), attempt };
    } catch (err) {
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

function toContent(output: unknown): string {
  if (typeof output === 'string') return output === '' ? '(empty result)' : output;
  if (output === undefined) return '(no result)';
  return JSON.stringify(output);
}
