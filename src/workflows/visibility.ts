// What people and programs see of a running run: the status query's answer, and the search attributes and
// current details that the Web UI and `temporal workflow list` show.
import * as wf from '@temporalio/workflow';
import type { RunProgress } from '../shared/definitions';
import type { RunPlan } from '../shared/run-plan';
import {
  AgentCostUsd,
  AgentIteration,
  AgentModel,
  AgentStatus,
  AgentTotalTokens,
} from '../shared/search-attributes';
import { totalTokens } from './budget';
import { summary } from './run-state';
import type { RunState } from './run-state';
import type { TurnContext } from './tool-calls';

/** The status query's answer. */
export function progress(state: RunState, turn: TurnContext, status: RunProgress['status']): RunProgress {
  return {
    status,
    model: state.plan?.model ?? '',
    ...summary(state),
    toolsRunning: [...turn.running.values()],
    approvalsWaiting: [...turn.approvals.values()].map(({ toolUseId, name, input: args }) => ({
      toolUseId,
      name,
      input: args,
    })),
  };
}

// The values each run last upserted, by its turn context (one per run of a chain): a new run upserts all once.
const upserted = new WeakMap<TurnContext, Map<string, unknown>>();

/** Updates the search attributes and the current details. */
export function publish(
  state: RunState,
  plan: RunPlan,
  turn: TurnContext,
  status: RunProgress['status'],
): void {
  const updates = changed(plan, turn, state.iterations, [
    { key: AgentStatus, value: status },
    { key: AgentIteration, value: state.iterations },
    { key: AgentTotalTokens, value: totalTokens(state.usage) },
    { key: AgentCostUsd, value: state.costUsd },
    { key: AgentModel, value: plan.model },
  ]);
  if (updates.length > 0) wf.upsertSearchAttributes(updates);
  const waiting = [...turn.approvals.values()].map((a) => `${a.name} (${a.toolUseId})`);
  // The Web UI renders this as markdown: one paragraph per line, and no "2/10" (it would become a fraction).
  wf.setCurrentDetails(
    [
      `**${status}** · turn ${state.iterations} of ${plan.limits.maxIterations}`,
      `tokens ${totalTokens(state.usage)} · cost $${state.costUsd.toFixed(4)}`,
      turn.running.size > 0 ? `running: ${[...turn.running.values()].join(', ')}` : '',
      waiting.length > 0 ? `waiting for approval: ${waiting.join(', ')}` : '',
    ]
      .filter((line) => line !== '')
      .join('\n\n'),
  );
}

type Update = Extract<Parameters<typeof wf.upsertSearchAttributes>[0], unknown[]>[number];

// The attributes that move with every model call; the others change with the run's state.
const PROGRESS = new Set([AgentIteration.name, AgentTotalTokens.name, AgentCostUsd.name]);

// Each upsert is an event of about 230 bytes, and after a turn's tools nothing the attributes show has changed.
// Progress alone (turn, tokens, cost) is upserted every `progressEvery` model calls, not after each: the
// status query and the current details are live, and a change of status (the run's end among them) takes
// every changed attribute with it. Decided from the plan (runs pinned before upserted every attribute each
// time, or each change, and replay must issue the same upserts for them) and the run's own earlier upserts
// (workflow state rebuilt by replay), never from the server.
function changed(plan: RunPlan, turn: TurnContext, calls: number, updates: Update[]): Update[] {
  if (!plan.upsertChanged) return updates;
  const last = upserted.get(turn) ?? new Map<string, unknown>();
  upserted.set(turn, last);
  let fresh = updates.filter((u) => last.get(u.key.name) !== u.value);
  const progressOnly = fresh.every((u) => PROGRESS.has(u.key.name));
  if (plan.progressEvery && progressOnly && last.size > 0 && calls % plan.progressEvery !== 0) fresh = [];
  for (const u of fresh) last.set(u.key.name, u.value);
  return fresh;
}
