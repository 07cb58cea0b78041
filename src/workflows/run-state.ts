// The state of one agent run, how a run of a chain hands it to the next, and the result assembled from it.
// Pure data and pure functions: the loop changes the state, the status query and the result read it.
import { workflowInfo } from '@temporalio/workflow';
import { ZERO_USAGE } from '../shared/result';
import type { AgentResult, RunStatus } from '../shared/result';
import type { PinnedRun, RunPlan } from '../shared/run-plan';
import { compactionReport } from './compaction';
import { emptyLedger, ledgerView } from './ledger';
import { RESUME_KIND } from './resume';
import type { ResumeState } from './resume';
import type { TurnContext } from './tool-calls';

/** How the loop ended, before the result is assembled. */
export interface Ending {
  status: RunStatus;
  reason?: string;
}

/** Mutable state of one run: what a run hands to the next, and what lives only as long as it. */
export interface RunState extends Omit<ResumeState, 'kind' | 'fromRunId' | 'plan'> {
  /** Undefined until pinRun has answered (a fresh run's first activity). */
  plan?: RunPlan;
  cancelReason?: string;
  /** The stop sequence that ended the last reply, if one did. */
  stopSequence?: string | null;
  /** Set once the run has ended, so the status query tells the final status. */
  finalStatus?: RunStatus;
}

/** The state of a run that has not been pinned yet. */
export function freshState(): RunState {
  return {
    tools: [],
    pinned: '',
    head: null,
    pending: [],
    messages: 0,
    iterations: 0,
    usage: ZERO_USAGE,
    costUsd: 0,
    stopReason: null,
    ledger: emptyLedger(),
    continuedText: '',
    lastText: '',
  };
}

/** The state a previous run of the chain handed over. */
export function fromResume({ kind: _k, fromRunId: _f, ...resume }: ResumeState): RunState {
  return resume;
}

/** What this run hands to the next when it continues as new; the whole ledger was stored just before. */
export function toResume(state: RunState): ResumeState {
  const { cancelReason: _c, finalStatus: _f, stopSequence: _s, plan, ...rest } = state;
  return {
    kind: RESUME_KIND,
    fromRunId: workflowInfo().runId,
    plan: plan as RunPlan,
    ...rest,
    ledger: { ...rest.ledger, recent: ledgerView(rest.ledger).toolCalls },
  };
}

/** Takes in what pinRun recorded: the run's decisions from here on rest on it, never on this deployment's defaults. */
export function applyPinned(state: RunState, turn: TurnContext, run: PinnedRun): RunPlan {
  state.plan = run.plan;
  state.tools = run.tools;
  state.pinned = run.pinned;
  state.head = run.head;
  state.messages = run.messages;
  for (const tool of run.tools) turn.tools.set(tool.name, tool);
  turn.maxToolCallsPerTurn = run.plan.limits.maxToolCallsPerTurn;
  turn.approvalTimeoutMs = run.plan.limits.approvalTimeoutSeconds * 1000;
  turn.heartbeatTimeoutMs = run.plan.heartbeatTimeoutMs;
  return run.plan;
}

/** The ending of a run that a person or Temporal cancelled. */
export function cancelledEnding(state: RunState): Ending {
  return { status: 'cancelled', reason: state.cancelReason ?? 'the workflow was cancelled' };
}

/** The run's result. Its status comes from what happened (the ledger), never from the model's wording. */
export function assemble(state: RunState, ending: Ending): AgentResult {
  const inDoubt = state.ledger.inDoubt > 0;
  const status: RunStatus = inDoubt && ending.status !== 'cancelled' ? 'needs_attention' : ending.status;
  const result: AgentResult = {
    status,
    ...summary(state),
    transcript: { head: state.head, messages: state.messages },
  };
  const compaction = compactionReport(state);
  if (compaction) result.compaction = compaction;
  const doubt = 'an unsafe tool call failed or its outcome is unknown; check the toolCalls ledger';
  // A cancelled run keeps the person's reason; the doubt is added to it, not put in its place.
  const reason = !inDoubt
    ? ending.reason
    : ending.status === 'cancelled' && ending.reason !== undefined
      ? `${ending.reason}; also, ${doubt}`
      : doubt;
  if (reason !== undefined) result.reason = reason;
  if (state.output !== undefined) result.output = state.output;
  return result;
}

/** What the result and the status query both tell of a run: its text, turns, usage, cost and tool calls. */
export function summary(state: RunState) {
  return {
    text: state.continuedText + state.lastText,
    stopReason: state.stopReason,
    ...(state.stopSequence ? { stopSequence: state.stopSequence } : {}),
    iterations: state.iterations,
    usage: state.usage,
    costUsd: state.costUsd,
    ...ledgerView(state.ledger),
  };
}
