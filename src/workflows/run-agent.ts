// The agent loop with its handlers (cancel, status, approve), as a function a workflow calls: `agentRun` is
// one such workflow, and users' own workflows can call it too (`durable-agent/workflow`).
import * as wf from '@temporalio/workflow';
import { approveUpdate, cancelSignal, statusQuery } from '../shared/definitions';
import type { RunProgress } from '../shared/definitions';
import type { AgentInput } from '../shared/input';
import type { AgentResult } from '../shared/result';
import { totalTokens } from './budget';
import { checkStartInput } from './checks';
import { storeCalls } from './ledger';
import { asRunFailure, loop, pin } from './loop';
import { recordRunEnd } from './metrics';
import { cancelReasonOf, checkApproval } from './person-input';
import { appendTranscript } from './proxies';
import type { ResumeState } from './resume';
import { applyPinned, assemble, cancelledEnding, freshState, fromResume, toResume } from './run-state';
import type { Ending, RunState } from './run-state';
import { SPENT_DETAIL } from './subagents';
import type { SpentDetail } from './subagents';
import { subagentContext } from './subagents';
import type { PendingApproval, TurnContext } from './tool-calls';
import { progress, publish } from './visibility';
import { flushRunStream, newRunStream, publishRunEnd } from './stream-events';

/** Options of `runAgent`. */
export interface RunAgentOptions {
  /** State handed over by the previous run of a chain (agentRun passes it on continue-as-new). */
  resume?: ResumeState;
  /**
   * Called at a turn boundary once the history is long (Temporal suggests it, or the run's
   * `historyEventsBeforeContinueAsNew` is reached), with the state to hand over; it continues the workflow as
   * new and never returns. Without it the loop goes on in the same workflow, which then owns its history size.
   */
  continueAsNew?: (resume: ResumeState) => Promise<never>;
}

/**
 * Runs the agent loop inside the calling workflow and returns the run's result. It registers the `cancel`
 * signal, the `status` query and the `approve` update on that workflow, so a workflow runs one agent at a time.
 */
export async function runAgent(input: AgentInput, options: RunAgentOptions = {}): Promise<AgentResult> {
  const { resume } = options;
  if (!resume) checkStartInput(input);
  const state: RunState = resume ? fromResume(resume) : freshState();
  // Filled once the run is pinned; handlers are registered first so that a query, signal or update that
  // arrives with the first workflow task finds them.
  const turn: TurnContext = {
    tools: new Map(state.tools.map((tool) => [tool.name, tool])),
    maxToolCallsPerTurn: state.plan?.limits.maxToolCallsPerTurn ?? 0,
    approvalTimeoutMs: (state.plan?.limits.approvalTimeoutSeconds ?? 0) * 1000,
    heartbeatTimeoutMs: state.plan?.heartbeatTimeoutMs,
    approvals: new Map<string, PendingApproval>(),
    running: new Map<string, string>(),
    stream: newRunStream(),
  };

  const loopScope = new wf.CancellationScope();
  wf.setHandler(cancelSignal, (args: unknown) => {
    state.cancelReason = cancelReasonOf(args);
    loopScope.cancel();
  });
  wf.setHandler(statusQuery, (): RunProgress => progress(state, turn, state.finalStatus ?? 'running'));
  wf.setHandler(
    approveUpdate,
    (args) => {
      // Only the checked fields are kept: anything else the request carried stays out of the run's state.
      const decision = checkApproval(args, turn.approvals);
      const pending = turn.approvals.get(decision.toolUseId) as PendingApproval;
      pending.decision = decision;
      return decision.approved
        ? `approved ${pending.name} (${decision.toolUseId})`
        : `rejected ${pending.name} (${decision.toolUseId})`;
    },
    {
      validator: (args) => {
        checkApproval(args, turn.approvals);
      },
    },
  );

  let ending: Ending | 'continue-as-new';
  try {
    ending = await loopScope.run(async () => {
      const plan = state.plan ?? applyPinned(state, turn, await pin(input));
      const subagents = subagentContext(plan, () => state);
      if (subagents) turn.subagents = subagents;
      publish(state, plan, turn, 'running');
      return loop(state, plan, turn, options.continueAsNew !== undefined);
    });
  } catch (err) {
    if (!wf.isCancellation(err)) throw withSpend(asRunFailure(err), state);
    ending = cancelledEnding(state);
  }
  if (ending === 'continue-as-new') {
    await storeCalls(state.ledger, true).catch((err: unknown) => {
      throw withSpend(asRunFailure(err), state);
    });
    // Updates and signals being handled finish first, so nothing a person sent is lost in the hand-over.
    // Waiting must not be cut short by a cancel request: the cancel is looked at right after.
    await wf.CancellationScope.nonCancellable(() => wf.condition(wf.allHandlersFinished));
    // A cancel that landed on this turn (signal or Temporal's cancel request; both cancel loopScope) ends
    // the run here: the next run of the chain would not know of it.
    if (loopScope.consideredCancelled) ending = cancelledEnding(state);
    else {
      await flushRunStream(turn.stream, state.plan);
      return (options.continueAsNew as NonNullable<RunAgentOptions['continueAsNew']>)(toResume(state));
    }
  }

  await Promise.all([storeLastMessages(state), storeCalls(state.ledger, true)]).catch((err: unknown) => {
    throw withSpend(asRunFailure(err), state);
  });
  const result = assemble(state, ending);
  state.finalStatus = result.status;
  if (state.plan) {
    publish(state, state.plan, turn, result.status);
    recordRunEnd(result.status, state.plan.model);
  }
  await publishRunEnd(turn.stream, result, state.plan);
  wf.log.info('run finished', {
    status: result.status,
    iterations: result.iterations,
    totalTokens: totalTokens(result.usage),
    costUsd: result.costUsd,
    toolCalls: state.ledger.counts.total,
  });
  return result;
}

// Tool results of a run that stops before its next model call are stored too: the transcript is whole.
async function storeLastMessages(state: RunState): Promise<void> {
  if (state.pending.length === 0) return;
  const pending = state.pending;
  state.head = await wf.CancellationScope.nonCancellable(() =>
    appendTranscript({ head: state.head, append: pending }),
  );
  state.messages += pending.length;
  state.pending = [];
}

/**
 * A failed run still spent what it spent: its usage and cost go into the failure's details (last element,
 * tagged), so a parent run counts a failed sub-agent's spend against its budgets.
 */
function withSpend(err: unknown, state: RunState): unknown {
  if (!(err instanceof wf.ApplicationFailure)) return err;
  const spent: SpentDetail = { kind: SPENT_DETAIL, usage: state.usage, costUsd: state.costUsd };
  return wf.ApplicationFailure.create({
    ...(err.type ? { type: err.type } : {}),
    message: err.message,
    nonRetryable: err.nonRetryable ?? false,
    details: [...(err.details ?? []), spent],
    ...(err.cause ? { cause: err.cause } : {}),
  });
}
