// Sub-agent calls: each runs a child agentRun workflow, whose result comes back as the child-completed event in
// this run's history, so replay decides from history alone. The child's usage and cost roll into this run's.
import {
  ChildWorkflowCancellationType,
  ChildWorkflowFailure,
  executeChild,
  isCancellation,
  ParentClosePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import { WORKFLOW_TYPE } from '../shared/constants';
import { ToolErrorType } from '../shared/errors';
import type { ToolUseBlock } from '../shared/messages';
import { ZERO_USAGE } from '../shared/result';
import type { AgentResult, ChildRunRecord, ToolCallRecord, Usage } from '../shared/result';
import type { ChildRunInput, RunPlan, SubagentPolicy } from '../shared/run-plan';
import type { Pricing } from '../shared/input';
import { costUsd, totalTokens, withServerTools } from './budget';
import type { ToolOutcome } from './tool-results';

const MAX_REASON_CHARS = 600;

/** What the fan-out needs to run sub-agent calls. */
export interface SubagentContext {
  agents: Map<string, SubagentPolicy>;
  /** What the run has left of its token and cost budgets, read when a call starts. */
  left: () => { tokens: number; costUsd: number };
  /** Sub-agent calls of the current turn: they share what the run has left, so together they cannot overspend. */
  sharing: number;
}

/** What the usage of a run's children adds up to; kept apart so the run's own cost uses its own prices. */
interface ChildSpend {
  usage: Usage;
  costUsd: number;
}

/** The run's sub-agent context, or undefined when it has no sub-agents. */
export function subagentContext(
  plan: RunPlan,
  spent: () => { usage: Usage; costUsd: number },
): SubagentContext | undefined {
  if (!plan.subagents || plan.subagents.length === 0) return undefined;
  return {
    agents: new Map(plan.subagents.map((agent) => [agent.name, agent])),
    left: () => {
      const now = spent();
      return {
        tokens: plan.limits.maxTotalTokens - totalTokens(now.usage),
        costUsd: plan.limits.maxCostUsd - now.costUsd,
      };
    },
    sharing: 1,
  };
}

/** Counts the turn's sub-agent calls among those that will run. */
export function shareAmong(calls: readonly ToolUseBlock[], maxCalls: number, ctx?: SubagentContext): void {
  if (!ctx) return;
  ctx.sharing = Math.max(1, calls.slice(0, maxCalls).filter((call) => ctx.agents.has(call.name)).length);
}

/** Tags the failure detail that carries what a failed run spent. */
export const SPENT_DETAIL = 'durable-agent.spent';

/** What a failed run spent, as the last detail of its failure. */
export interface SpentDetail {
  kind: typeof SPENT_DETAIL;
  usage: Usage;
  costUsd: number;
}

/** The spend a failed child run put in its failure's details, if any. */
function spentOf(cause: unknown): SpentDetail | undefined {
  const details = (cause as { details?: unknown }).details;
  if (!Array.isArray(details)) return undefined;
  const spent = details.at(-1) as Partial<SpentDetail> | undefined;
  return spent?.kind === SPENT_DETAIL && spent.usage && typeof spent.costUsd === 'number'
    ? (spent as SpentDetail)
    : undefined;
}

/** Runs one sub-agent call as a child run; never throws but for the run's own cancellation of a start. */
export async function runSubagent(
  call: ToolUseBlock,
  agent: SubagentPolicy,
  ctx: SubagentContext,
): Promise<ToolOutcome> {
  const task = (call.input as { task?: unknown } | null)?.task;
  if (typeof task !== 'string' || task.trim() === '') {
    return failure(
      'invalid_input',
      ToolErrorType.InvalidInput,
      `the input for "${call.name}" is invalid: it takes {"task": string}, a non-empty task. Call it again with the task.`,
    );
  }
  const limits = cappedLimits(agent.child, ctx);
  if (!limits) {
    return failure(
      'skipped',
      ToolErrorType.BudgetSpent,
      `not run: this run has no token or cost budget left to give the sub-agent "${call.name}". Answer with what you have.`,
    );
  }
  const workflowId = childWorkflowId(call);
  try {
    const result = await executeChild<(input: unknown) => Promise<AgentResult>>(WORKFLOW_TYPE, {
      workflowId,
      args: [{ ...agent.child, prompt: task, limits }],
      // Cancelling this run cancels the child and waits for its result, so what it spent is still counted; a
      // run that closes any other way (terminated, timed out) asks its children to stop rather than killing them.
      cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      staticSummary: `sub-agent ${call.name}: ${task.length > 100 ? `${task.slice(0, 99)}…` : task}`,
    });
    return fromResult(call.name, workflowId, result);
  } catch (err) {
    const child: ChildRunRecord = { workflowId, status: 'failed', usage: ZERO_USAGE, costUsd: 0 };
    if (isCancellation(err)) {
      return {
        ...failure(
          'cancelled',
          ToolErrorType.SubagentIncomplete,
          `the sub-agent "${call.name}" was cancelled`,
          1,
        ),
        child: { ...child, status: 'cancelled' },
      };
    }
    const cause = err instanceof ChildWorkflowFailure && err.cause ? err.cause : err;
    // A child that failed after spending (a model call that then failed for good) still counts.
    const spent = spentOf(cause);
    if (spent) Object.assign(child, { usage: spent.usage, costUsd: spent.costUsd });
    const why = cause instanceof Error ? cause.message : String(cause);
    const type = (cause as { type?: unknown }).type;
    return {
      ...failure(
        'failed',
        ToolErrorType.SubagentFailed,
        `the sub-agent "${call.name}" failed${typeof type === 'string' ? ` (${type})` : ''}: ${clip(why)}. Its run ${workflowId} has the details.`,
        1,
      ),
      child,
    };
  }
}

/** The spend so far plus the children that finished in these records (the same object when none did). */
function addChildSpend(
  spend: ChildSpend | undefined,
  records: readonly ToolCallRecord[],
): ChildSpend | undefined {
  const children = records.flatMap((r) => (r.child ? [r.child] : []));
  if (children.length === 0) return spend;
  return children.reduce<ChildSpend>(
    (sum, child) => ({ usage: plus(sum.usage, child.usage), costUsd: micro(sum.costUsd + child.costUsd) }),
    spend ?? { usage: ZERO_USAGE, costUsd: 0 },
  );
}

/** The child run's workflow ID: fixed by the call, so however often the parent is replayed it starts once. */
export function childWorkflowId(call: ToolUseBlock): string {
  return `${workflowInfo().workflowId}/${call.id}`;
}

/** Adds the finished children's usage and cost to the run's: its budgets, search attributes and result count them. */
export function rollInChildren(
  state: { usage: Usage; costUsd: number; children?: ChildSpend },
  records: readonly ToolCallRecord[],
  pricing: Pricing,
): void {
  const added = addChildSpend(undefined, records);
  if (!added) return;
  state.children = addChildSpend(state.children, records) as ChildSpend;
  state.usage = plus(state.usage, added.usage);
  state.costUsd = runCost(state.usage, state.children, pricing);
}

/** The run's cost: its own model calls at its prices, and its children's cost as they reported it. */
export function runCost(usage: Usage, spend: ChildSpend | undefined, pricing: Pricing): number {
  if (!spend) return costUsd(usage, pricing);
  return micro(costUsd(minus(usage, spend.usage), pricing) + spend.costUsd);
}

/** Usage plus another. */
export function plus(a: Usage, b: Usage): Usage {
  return withServerTools(
    {
      inputTokens: a.inputTokens + b.inputTokens,
      outputTokens: a.outputTokens + b.outputTokens,
      cacheReadInputTokens: a.cacheReadInputTokens + b.cacheReadInputTokens,
      cacheCreationInputTokens: a.cacheCreationInputTokens + b.cacheCreationInputTokens,
    },
    (a.webSearchRequests ?? 0) + (b.webSearchRequests ?? 0),
    (a.webFetchRequests ?? 0) + (b.webFetchRequests ?? 0),
  );
}

function minus(a: Usage, b: Usage): Usage {
  return withServerTools(
    {
      inputTokens: a.inputTokens - b.inputTokens,
      outputTokens: a.outputTokens - b.outputTokens,
      cacheReadInputTokens: a.cacheReadInputTokens - b.cacheReadInputTokens,
      cacheCreationInputTokens: a.cacheCreationInputTokens - b.cacheCreationInputTokens,
    },
    (a.webSearchRequests ?? 0) - (b.webSearchRequests ?? 0),
    (a.webFetchRequests ?? 0) - (b.webFetchRequests ?? 0),
  );
}

// Sums of rounded costs are rounded again, so float noise never shows in a result.
function micro(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

// The child's own limits, no larger than its share of what this run has left; undefined when nothing is left.
function cappedLimits(child: ChildRunInput, ctx: SubagentContext): ChildRunInput['limits'] | undefined {
  const left = ctx.left();
  const tokens = Math.floor(left.tokens / ctx.sharing);
  const cost = Math.floor((left.costUsd / ctx.sharing) * 1e6) / 1e6;
  if (tokens < 1 || cost <= 0) return undefined;
  return {
    ...child.limits,
    maxTotalTokens: Math.min(child.limits.maxTotalTokens, tokens),
    maxCostUsd: Math.min(child.limits.maxCostUsd, cost),
  };
}

function fromResult(name: string, workflowId: string, result: AgentResult): ToolOutcome {
  const child: ChildRunRecord = {
    workflowId,
    status: result.status,
    usage: result.usage,
    costUsd: result.costUsd,
  };
  const output = (result as { output?: unknown }).output;
  const text = output === undefined ? result.text : `${result.text}\n\noutput: ${JSON.stringify(output)}`;
  if (result.status === 'completed') return { status: 'succeeded', attempts: 1, content: text, child };
  const how = `it ended ${result.status}${result.reason ? ` (${clip(result.reason)})` : ''}`;
  const last = result.text.trim() ? ` Its last text: ${clip(result.text)}` : '';
  return {
    ...failure(
      result.status === 'cancelled' ? 'cancelled' : 'failed',
      ToolErrorType.SubagentIncomplete,
      `the sub-agent "${name}" did not complete its task: ${how}.${last} Do not present its work as finished.`,
      1,
    ),
    child,
  };
}

// attempts: 1 once a child run was started, 0 when the call was refused before.
function failure(status: ToolOutcome['status'], type: string, message: string, attempts = 0): ToolOutcome {
  return { status, attempts, content: `Tool call failed: ${message}`, error: { type, message } };
}

function clip(text: string): string {
  const clean = text.trim();
  return clean.length > MAX_REASON_CHARS ? `${clean.slice(0, MAX_REASON_CHARS)}…` : clean;
}
