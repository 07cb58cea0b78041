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

// The values each run last upserted, by its turn context (one per run of a chain).
const upserted = new WeakMap<TurnContext, string>();

/** Updates the search attributes (when one changed, in plans that say so) and the current details. */
export function publish(
  state: RunState,
  plan: RunPlan,
  turn: TurnContext,
  status: RunProgress['status'],
): void {
  const values = [status, state.iterations, totalTokens(state.usage), state.costUsd, plan.model] as const;
  const key = JSON.stringify(values);
  // Each upsert is a history event and a visibility write on the server, and a tool turn changes none of these
  // values. Older plans upsert every time, as their histories recorded (a dropped upsert would not replay).
  if (plan.upsertChangesOnly !== true || upserted.get(turn) !== key) {
    upserted.set(turn, key);
    wf.upsertSearchAttributes([
      { key: AgentStatus, value: values[0] },
      { key: AgentIteration, value: values[1] },
      { key: AgentTotalTokens, value: values[2] },
      { key: AgentCostUsd, value: values[3] },
      { key: AgentModel, value: values[4] },
    ]);
  }
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
