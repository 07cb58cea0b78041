// What a paid model call adds to a run: its tokens and cost, counted the same way for the loop's calls and for
// compaction's summary calls, so the run's totals, budgets and metrics agree on what a call cost.
import type { ApiUsage } from '../shared/messages';
import type { RunPlan } from '../shared/run-plan';
import { addUsage } from './budget';
import { recordModelCall } from './metrics';
import type { RunState } from './run-state';
import { runCost } from './subagents';

/** Adds one model call's usage to the run's usage and cost (sub-agents' spend included) and records its metrics. */
export function chargeModelCall(state: RunState, plan: RunPlan, usage: ApiUsage): void {
  const costBefore = state.costUsd;
  state.usage = addUsage(state.usage, usage);
  state.costUsd = runCost(state.usage, state.children, plan.pricing);
  recordModelCall(plan.model, usage, (state.costUsd - costBefore) * 1e6);
}
