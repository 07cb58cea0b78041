// The agent loop as a Temporal workflow. It holds only decisions and state: every model call and tool call is
// an activity, so after a crash the loop is replayed from history and finished calls are not made again.
// The conversation itself lives in the message store; history carries references and each turn's new
// content once, so it grows linearly with the run.
import * as wf from '@temporalio/workflow';
import type { CallClaudeInput } from '../activities';
import { approveUpdate, cancelSignal, statusQuery } from '../shared/definitions';
import type { MessageParam, StopReason } from '../shared/messages';
import { RunErrorType } from '../shared/errors';
import { ZERO_USAGE } from '../shared/result';
import type { AgentResult, RunStatus, Usage } from '../shared/result';
import type { PinnedRun, RunPlan, ToolPolicy } from '../shared/run-plan';
import type { RunProgress } from '../shared/definitions';
import {
  AgentCostUsd,
  AgentIteration,
  AgentModel,
  AgentStatus,
  AgentTotalTokens,
} from '../shared/search-attributes';
import { addUsage, checkBudget, costUsd, totalTokens } from './budget';
import { checkPinned, checkReply, checkStartInput } from './checks';
import { cancelReasonOf, checkApproval } from './person-input';
import { addCalls, emptyLedger, ledgerView, storeCalls } from './ledger';
import type { Ledger } from './ledger';
import { appendTranscript, modelCall, pinRun } from './proxies';
import { recordModelCall, recordRunEnd, recordToolCall } from './metrics';
import { acceptResume, RESUME_KIND } from './resume';
import type { ResumeState } from './resume';
import { decideStop } from './stop-reason';
import { duplicateToolUseId, runToolCalls } from './tool-calls';
import type { PendingApproval, TurnContext } from './tool-calls';

// A reply that breaks the protocol is asked for again this many times in a row before the run fails.
const MAX_FAULTY_REPLIES = 1;

const CONTINUE_PROMPT =
  'Your previous reply was cut off by the max_tokens limit. Continue exactly where it stopped.';

/** How the loop ended, before the result is assembled. */
interface Ending {
  status: RunStatus;
  reason?: string;
}

/** Mutable state of one run; the status query reads it. */
interface RunState {
  /** Undefined until pinRun has answered (a fresh run's first activity). */
  plan?: RunPlan;
  tools: ToolPolicy[];
  pinned: string;
  head: string | null;
  pending: MessageParam[];
  messages: number;
  iterations: number;
  usage: Usage;
  costUsd: number;
  stopReason: StopReason | null;
  ledger: Ledger;
  continuedText: string;
  lastText: string;
  cancelReason?: string;
  /** Set once the run has ended, so the status query tells the final status. */
  finalStatus?: RunStatus;
}

/**
 * One agent run: a Claude tool-use loop with budgets, bounded retries and durable tool calls. It takes one
 * argument, the run input; a second one is only ever the state its previous run hands over (see resume.ts).
 */
export async function agentRun(rawInput: unknown, ...handedOver: unknown[]): Promise<AgentResult> {
  const resume = acceptResume(handedOver);
  if (!resume) checkStartInput(rawInput);
  const state: RunState = resume ? fromResume(resume) : freshState();
  // Filled once the run is pinned; handlers are registered first so that a query, signal or update that
  // arrives with the first workflow task finds them.
  const turn: TurnContext = {
    tools: new Map(state.tools.map((tool) => [tool.name, tool])),
    maxToolCallsPerTurn: state.plan?.limits.maxToolCallsPerTurn ?? 0,
    approvalTimeoutMs: (state.plan?.limits.approvalTimeoutSeconds ?? 0) * 1000,
    approvals: new Map<string, PendingApproval>(),
    running: new Map<string, string>(),
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
      const plan = state.plan ?? pinned(state, turn, await pin(rawInput));
      publish(state, plan, turn, 'running');
      return loop(state, plan, turn);
    });
  } catch (err) {
    if (!wf.isCancellation(err)) throw asRunFailure(err);
    ending = cancelledEnding(state);
  }
  if (ending === 'continue-as-new') {
    await storeCalls(state.ledger, true).catch((err: unknown) => {
      throw asRunFailure(err);
    });
    // Updates and signals being handled finish first, so nothing a person sent is lost in the hand-over.
    // Waiting must not be cut short by a cancel request: the cancel is looked at right after.
    await wf.CancellationScope.nonCancellable(() => wf.condition(wf.allHandlersFinished));
    // A cancel that landed on this turn (signal or Temporal's cancel request; both cancel loopScope) ends
    // the run here: the next run of the chain would not know of it.
    if (loopScope.consideredCancelled) ending = cancelledEnding(state);
    else return wf.continueAsNew<typeof agentRun>(rawInput, toResume(state));
  }

  await Promise.all([storeLastMessages(state), storeCalls(state.ledger, true)]).catch((err: unknown) => {
    throw asRunFailure(err);
  });
  const result = assemble(state, ending);
  state.finalStatus = result.status;
  if (state.plan) {
    publish(state, state.plan, turn, result.status);
    recordRunEnd(result.status, state.plan.model);
  }
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

function freshState(): RunState {
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

function fromResume({ kind: _k, fromRunId: _f, ...resume }: ResumeState): RunState {
  return resume;
}

// The run's decisions from here on rest on what pinRun recorded, never on this deployment's defaults.
function pinned(state: RunState, turn: TurnContext, run: PinnedRun): RunPlan {
  state.plan = run.plan;
  state.tools = run.tools;
  state.pinned = run.pinned;
  state.head = run.head;
  state.messages = run.messages;
  for (const tool of run.tools) turn.tools.set(tool.name, tool);
  turn.maxToolCallsPerTurn = run.plan.limits.maxToolCallsPerTurn;
  turn.approvalTimeoutMs = run.plan.limits.approvalTimeoutSeconds * 1000;
  return run.plan;
}

async function loop(state: RunState, plan: RunPlan, turn: TurnContext): Promise<Ending | 'continue-as-new'> {
  const { limits, pricing } = plan;
  let faultyReplies = 0;
  for (;;) {
    const verdict = checkBudget(state, limits);
    if (verdict.stop) return { status: verdict.status, reason: verdict.reason };
    if (state.iterations > 0 && shouldContinueAsNew(limits.historyEventsBeforeContinueAsNew))
      return 'continue-as-new';

    const iteration = state.iterations + 1;
    const midTask = state.pending.some(
      (m) => Array.isArray(m.content) && m.content.some((b) => b.type === 'tool_result'),
    );
    const request: CallClaudeInput = {
      model: plan.model,
      maxTokens: limits.maxTokens,
      pinned: state.pinned,
      head: state.head,
      append: state.pending,
      disableParallelToolUse: !plan.parallelToolCalls,
      promptCaching: plan.promptCaching,
    };
    // On the last allowed iteration the model is asked for an answer, not for more tool calls.
    if (verdict.finalTurn && state.tools.length > 0) request.toolChoice = { type: 'none' };
    else if (plan.toolChoice) request.toolChoice = plan.toolChoice;

    const { reply, fixed } = checkReply(await modelCall(`${plan.model} · turn ${iteration}`)(request));
    if (fixed.length > 0)
      wf.log.warn('model call usage was not a token count; made safe', { turn: iteration, fixed });
    // The call was paid for whatever its reply holds, so it counts before the reply is judged.
    state.iterations = iteration;
    const costBefore = state.costUsd;
    state.usage = addUsage(state.usage, reply.usage);
    state.costUsd = costUsd(state.usage, pricing);
    recordModelCall(plan.model, reply.usage, (state.costUsd - costBefore) * 1e6);
    const duplicate = duplicateToolUseId(reply.toolUses);
    if (duplicate !== undefined) {
      faultyReplies += 1;
      if (faultyReplies > MAX_FAULTY_REPLIES) throw duplicateIdFailure(duplicate, faultyReplies);
      // Head and pending stay as they were: the faulty reply is left out and the same request is asked again.
      wf.log.warn('model reply with duplicate tool_use ids dropped; asking again', {
        turn: iteration,
        duplicate,
      });
      continue;
    }
    faultyReplies = 0;
    state.head = reply.head;
    state.messages += reply.appended;
    state.pending = [];
    state.stopReason = reply.stopReason;
    state.lastText = reply.text;
    const calls = reply.toolUses;
    wf.log.info('model call', {
      turn: iteration,
      stopReason: reply.stopReason,
      inputTokens: reply.usage.input_tokens,
      outputTokens: reply.usage.output_tokens,
      cacheReadInputTokens: reply.usage.cache_read_input_tokens,
      cacheCreationInputTokens: reply.usage.cache_creation_input_tokens,
      toolCalls: calls.length,
      totalTokens: totalTokens(state.usage),
      costUsd: state.costUsd,
    });
    publish(state, plan, turn, 'running');

    const action = decideStop(reply.stopReason, {
      maxTokens: limits.maxTokens,
      inputTokens:
        reply.usage.input_tokens +
        reply.usage.cache_read_input_tokens +
        reply.usage.cache_creation_input_tokens,
      onMaxTokens: plan.onMaxTokens,
      hasToolUse: calls.length > 0,
    });
    switch (action.kind) {
      case 'finish':
        // A forced final answer in the middle of tool work means the run was cut short by the cap.
        return verdict.finalTurn && midTask
          ? {
              status: 'iteration_limit',
              reason: `reached maxIterations (${limits.maxIterations}); the last turn asked for a final answer without tools`,
            }
          : { status: 'completed' };
      case 'refused':
        return { status: 'refused', reason: 'the model declined to continue (stop_reason refusal)' };
      case 'resend':
        continue;
      case 'continue_after_max_tokens':
        state.continuedText += reply.text;
        state.pending = [{ role: 'user', content: CONTINUE_PROMPT }];
        continue;
      case 'fail':
        throw wf.ApplicationFailure.create({
          type: action.errorType,
          message: action.message,
          nonRetryable: true,
        });
      case 'run_tools': {
        const { blocks, records } = await runToolCalls(calls, turn);
        addCalls(state.ledger, records);
        await storeCalls(state.ledger, false);
        for (const record of records) {
          recordToolCall(record);
          wf.log.info('tool call', {
            turn: iteration,
            toolUseId: record.toolUseId,
            tool: record.name,
            status: record.status,
            attempts: record.attempts,
            durationMs: record.durationMs,
            ...(record.error ? { errorType: record.error.type } : {}),
          });
        }
        state.pending = [{ role: 'user', content: blocks }];
        publish(state, plan, turn, 'running');
        if (verdict.finalTurn) {
          return {
            status: 'iteration_limit',
            reason: `reached maxIterations (${limits.maxIterations}) with tool calls still requested`,
          };
        }
      }
    }
  }
}

// Temporal suggests continuing as new before a history grows too large; the run's own limit lets a
// deployment (and the tests) choose a smaller bound.
function shouldContinueAsNew(maxEvents: number): boolean {
  const info = wf.workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= maxEvents;
}

function cancelledEnding(state: RunState): Ending {
  return { status: 'cancelled', reason: state.cancelReason ?? 'the workflow was cancelled' };
}

function duplicateIdFailure(id: string, replies: number): wf.ApplicationFailure {
  return wf.ApplicationFailure.create({
    type: RunErrorType.DuplicateToolUseId,
    nonRetryable: true,
    message: `The model's reply used the tool_use id "${id}" for more than one tool call, ${replies} replies in a row. Calls sharing an id would share one idempotency key, so none was run. This is a fault of the model endpoint; start the run again.`,
  });
}

function toResume(state: RunState): ResumeState {
  const { cancelReason: _c, finalStatus: _f, plan, ...rest } = state;
  return {
    kind: RESUME_KIND,
    fromRunId: wf.workflowInfo().runId,
    plan: plan as RunPlan,
    ...rest,
    // Stored in full just before; the next run carries counts and the latest calls only.
    ledger: { ...rest.ledger, recent: ledgerView(rest.ledger).toolCalls },
  };
}

async function pin(rawInput: unknown): Promise<PinnedRun> {
  try {
    return checkPinned(await pinRun({ input: rawInput }));
  } catch (err) {
    throw asRunFailure(err);
  }
}

// An activity's typed failure becomes the run's failure with the same type and message, so callers see
// "ClaudeBadRequest: …" rather than a generic "activity task failed".
function asRunFailure(err: unknown): unknown {
  if (err instanceof wf.ActivityFailure && err.cause instanceof wf.ApplicationFailure) {
    return wf.ApplicationFailure.create({
      type: err.cause.type ?? RunErrorType.ActivityFailed,
      message: err.cause.message,
      nonRetryable: true,
      details: err.cause.details ?? [],
      cause: err,
    });
  }
  return err;
}

function assemble(state: RunState, ending: Ending): AgentResult {
  const inDoubt = state.ledger.inDoubt > 0;
  const status: RunStatus = inDoubt && ending.status !== 'cancelled' ? 'needs_attention' : ending.status;
  const result: AgentResult = {
    status,
    text: state.continuedText + state.lastText,
    stopReason: state.stopReason,
    iterations: state.iterations,
    usage: state.usage,
    costUsd: state.costUsd,
    ...ledgerView(state.ledger),
    transcript: { head: state.head, messages: state.messages },
  };
  const doubt = 'an unsafe tool call failed or its outcome is unknown; check the toolCalls ledger';
  // A cancelled run keeps the person's reason; the doubt is added to it, not put in its place.
  const reason = !inDoubt
    ? ending.reason
    : ending.status === 'cancelled' && ending.reason !== undefined
      ? `${ending.reason}; also, ${doubt}`
      : doubt;
  if (reason !== undefined) result.reason = reason;
  return result;
}

function progress(state: RunState, turn: TurnContext, status: RunProgress['status']): RunProgress {
  return {
    status,
    model: state.plan?.model ?? '',
    text: state.continuedText + state.lastText,
    stopReason: state.stopReason,
    iterations: state.iterations,
    usage: state.usage,
    costUsd: state.costUsd,
    ...ledgerView(state.ledger),
    toolsRunning: [...turn.running.values()],
    approvalsWaiting: [...turn.approvals.values()].map(({ toolUseId, name, input: args }) => ({
      toolUseId,
      name,
      input: args,
    })),
  };
}

// Search attributes and current details are what the Web UI and `temporal workflow list` show of a run.
function publish(state: RunState, plan: RunPlan, turn: TurnContext, status: RunProgress['status']): void {
  wf.upsertSearchAttributes([
    { key: AgentStatus, value: status },
    { key: AgentIteration, value: state.iterations },
    { key: AgentTotalTokens, value: totalTokens(state.usage) },
    { key: AgentCostUsd, value: state.costUsd },
    { key: AgentModel, value: plan.model },
  ]);
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
