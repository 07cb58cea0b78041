// Runs one turn's tool calls concurrently and writes one tool_result per call, in the order of the calls.
import { CancellationScope, condition, isCancellation } from '@temporalio/workflow';
import type { ApproveArgs } from '../shared/definitions';
import type { ToolResultBlock, ToolUseBlock } from '../shared/messages';
import type { ToolCallRecord } from '../shared/result';
import type { ToolPolicy } from '../shared/run-plan';
import { checkToolOutput } from './checks';
import { reconcileCall, toolCall } from './proxies';
import { childWorkflowId, runSubagent, shareAmong } from './subagents';
import type { SubagentContext } from './subagents';
import type { RunStream } from './stream-events';
import {
  failedOutcome,
  overCapOutcome,
  reconciledOutcome,
  successOutcome,
  toolResult,
  unknownToolOutcome,
} from './tool-results';
import type { ToolOutcome } from './tool-results';

/** A call waiting for a person's decision through the `approve` update. */
export interface PendingApproval {
  toolUseId: string;
  name: string;
  input: unknown;
  decision?: ApproveArgs;
}

/** What the fan-out needs from the run. */
export interface TurnContext {
  tools: Map<string, ToolPolicy>;
  maxToolCallsPerTurn: number;
  approvalTimeoutMs: number;
  /** Calls waiting for approval, shared with the update handler and the status query. */
  approvals: Map<string, PendingApproval>;
  /** Names of the tools running now, for the status query. */
  running: Map<string, string>;
  /** The run's sub-agents, once pinned; absent when it has none. */
  subagents?: SubagentContext;
  /** The heartbeat timeout pinned in the run's plan (absent in older plans). */
  heartbeatTimeoutMs?: number | undefined;
  /** The run's event stream state (its current turn, events to publish). */
  stream?: RunStream;
}

/** Runs every call of a turn at once; never throws: each failure becomes an is_error result. */
export async function runToolCalls(
  calls: ToolUseBlock[],
  ctx: TurnContext,
): Promise<{ blocks: ToolResultBlock[]; records: ToolCallRecord[] }> {
  shareAmong(calls, ctx.maxToolCallsPerTurn, ctx.subagents);
  const results = await Promise.all(
    calls.map(async (call, index) => {
      const started = Date.now();
      const outcome = await runOne(call, index, calls.length, ctx);
      return toolResult(call, outcome, Date.now() - started, ctx.tools.get(call.name));
    }),
  );
  return { blocks: results.map((r) => r.block), records: results.map((r) => r.record) };
}

/**
 * The first tool_use id that one reply uses twice, if any. Two calls under one id would share one idempotency
 * key (and the API refuses such a conversation on the next call), so such a reply is never run.
 */
export function duplicateToolUseId(calls: readonly ToolUseBlock[]): string | undefined {
  const seen = new Set<string>();
  for (const call of calls) {
    if (seen.has(call.id)) return call.id;
    seen.add(call.id);
  }
  return undefined;
}

async function runOne(
  call: ToolUseBlock,
  index: number,
  total: number,
  ctx: TurnContext,
): Promise<ToolOutcome> {
  if (index >= ctx.maxToolCallsPerTurn) return overCapOutcome(call.name, total, ctx.maxToolCallsPerTurn);
  const agent = ctx.subagents?.agents.get(call.name);
  if (agent && ctx.subagents) {
    ctx.running.set(call.id, `${call.name} → ${childWorkflowId(call)}`);
    return runSubagent(call, agent, ctx.subagents).finally(() => ctx.running.delete(call.id));
  }
  const spec = ctx.tools.get(call.name);
  if (!spec)
    return unknownToolOutcome(call.name, [...ctx.tools.keys(), ...(ctx.subagents?.agents.keys() ?? [])]);

  if (spec.needsApproval) {
    const refused = await awaitApproval(call, ctx);
    if (refused) return refused;
  }

  const execute = toolCall(spec, summarize(call), ctx.heartbeatTimeoutMs);
  const attempt = () =>
    execute({
      name: call.name,
      toolUseId: call.id,
      input: call.input,
      schemaHash: spec.schemaHash,
      ...(ctx.stream ? { turn: ctx.stream.turn } : {}),
    });
  ctx.running.set(call.id, call.name);
  try {
    // An unsafe call in flight is allowed to finish when the run is cancelled, so its outcome is known.
    const output =
      spec.effect === 'unsafe' ? await CancellationScope.nonCancellable(attempt) : await attempt();
    const checked = checkToolOutput(output);
    return successOutcome(checked, checked.attempt);
  } catch (err) {
    if (isCancellation(err)) {
      return cancelledOutcome(call.name, 'the run was cancelled while it ran');
    }
    const outcome = failedOutcome(err, spec);
    if (outcome.status === 'outcome_unknown' && spec.reconcilable)
      return reconcile(call, spec, outcome, ctx.heartbeatTimeoutMs);
    return outcome;
  } finally {
    ctx.running.delete(call.id);
  }
}

// An unsafe call whose outcome is unknown is not retried blindly: the tool is asked, as its own activity,
// whether the call with this idempotency key took effect.
async function reconcile(
  call: ToolUseBlock,
  spec: ToolPolicy,
  unknown: ToolOutcome,
  heartbeatTimeoutMs: number | undefined,
): Promise<ToolOutcome> {
  const ask = () =>
    reconcileCall(
      spec,
      `reconcile ${summarize(call)}`,
      heartbeatTimeoutMs,
    )({ name: call.name, toolUseId: call.id, schemaHash: spec.schemaHash });
  try {
    // Learning the outcome matters even when the run is being cancelled.
    return reconciledOutcome(call.name, await CancellationScope.nonCancellable(ask));
  } catch {
    return unknown;
  }
}

// Returns the outcome to report when the call may not run, or undefined once it is approved.
async function awaitApproval(call: ToolUseBlock, ctx: TurnContext): Promise<ToolOutcome | undefined> {
  const pending: PendingApproval = { toolUseId: call.id, name: call.name, input: call.input };
  ctx.approvals.set(call.id, pending);
  try {
    const decided = await condition(() => pending.decision !== undefined, ctx.approvalTimeoutMs);
    if (!decided) {
      return refusal(
        'skipped',
        `not run: "${call.name}" needs a person's approval and none came within ${Math.round(ctx.approvalTimeoutMs / 1000)}s. Tell the user it is waiting for approval; do not claim it ran.`,
      );
    }
    if (pending.decision?.approved) return undefined;
    const note = pending.decision?.note ? ` Their note: ${pending.decision.note}` : '';
    return refusal(
      'rejected',
      `not run: a person rejected this call to "${call.name}".${note} Do not try it again unless the user asks.`,
    );
  } catch (err) {
    if (isCancellation(err))
      return cancelledOutcome(call.name, 'the run was cancelled while it waited for approval');
    throw err;
  } finally {
    ctx.approvals.delete(call.id);
  }
}

function cancelledOutcome(name: string, why: string): ToolOutcome {
  return refusal('cancelled', `"${name}" did not complete: ${why}.`);
}

function refusal(status: ToolOutcome['status'], message: string): ToolOutcome {
  return { status, attempts: 0, content: `Tool call failed: ${message}`, error: { type: status, message } };
}

/** One line for the Web UI: the tool name and its scalar arguments. */
function summarize(call: ToolUseBlock): string {
  const args =
    call.input && typeof call.input === 'object'
      ? Object.entries(call.input as Record<string, unknown>)
          .filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v))
          .map(([k, v]) => `${k}=${String(v)}`)
      : [];
  const line = [call.name, ...args].join(' ');
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}
