// The agent loop as a Temporal workflow. It holds only decisions and state: every model call and tool call is
// an activity, so after a crash the loop is replayed from history and finished calls are not made again.
// The conversation itself lives in the message store; history carries references and each turn's new
// content once, so it grows linearly with the run.
import * as wf from '@temporalio/workflow';
import type { CallClaudeInput } from '../activities';
import {
  AgentCostUsd,
  AgentIteration,
  AgentModel,
  AgentStatus,
  AgentTotalTokens,
  approveUpdate,
  cancelSignal,
  parseAgentInput,
  pricingFor,
  RunErrorType,
  statusQuery,
  ZERO_USAGE,
} from '../shared';
import type {
  AgentResult,
  MessageParam,
  ParsedAgentInput,
  Pricing,
  RunProgress,
  RunStatus,
  StopReason,
  ToolCallRecord,
  ToolSpec,
  Usage,
} from '../shared';
import { addUsage, checkBudget, costUsd, totalTokens } from './budget';
import { fitLedger } from './payload-guard';
import { appendTranscript, modelCall, pinRun } from './proxies';
import { recordModelCall, recordRunEnd, recordToolCall } from './metrics';
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

/** What one run of the chain hands to the next when it continues as new. JSON only. */
export interface ResumeState {
  specs: ToolSpec[];
  pinned: string;
  head: string | null;
  pending: MessageParam[];
  messages: number;
  iterations: number;
  usage: Usage;
  costUsd: number;
  stopReason: StopReason | null;
  toolCalls: ToolCallRecord[];
  continuedText: string;
  lastText: string;
}

/** Mutable state of one run; the status query reads it. */
interface RunState extends ResumeState {
  cancelReason?: string;
  /** Set once the run has ended, so the status query tells the final status. */
  finalStatus?: RunStatus;
}

/** One agent run: a Claude tool-use loop with budgets, bounded retries and durable tool calls. */
export async function agentRun(rawInput: unknown, resume?: ResumeState): Promise<AgentResult> {
  const input = validate(rawInput);
  const pricing = priceOf(input);
  const state: RunState = resume ?? {
    specs: [],
    pinned: '',
    head: null,
    pending: input.messages ?? [{ role: 'user', content: input.prompt ?? '' }],
    messages: 0,
    iterations: 0,
    usage: ZERO_USAGE,
    costUsd: 0,
    stopReason: null,
    toolCalls: [],
    continuedText: '',
    lastText: '',
  };
  // Filled once the tools are pinned; handlers are registered first so that a query, signal or update that
  // arrives with the first workflow task finds them.
  const tools = new Map<string, ToolSpec>(state.specs.map((spec) => [spec.name, spec]));
  const turn: TurnContext = {
    tools,
    maxToolCallsPerTurn: input.limits.maxToolCallsPerTurn,
    approvalTimeoutMs: input.limits.approvalTimeoutSeconds * 1000,
    approvals: new Map<string, PendingApproval>(),
    running: new Map<string, string>(),
  };

  const loopScope = new wf.CancellationScope();
  wf.setHandler(cancelSignal, (args) => {
    state.cancelReason = args?.reason ?? 'cancelled by the cancel signal';
    loopScope.cancel();
  });
  wf.setHandler(statusQuery, (): RunProgress => progress(state, input, turn, state.finalStatus ?? 'running'));
  wf.setHandler(
    approveUpdate,
    (args) => {
      const pending = turn.approvals.get(args.toolUseId) as PendingApproval;
      pending.decision = args;
      return args.approved
        ? `approved ${pending.name} (${args.toolUseId})`
        : `rejected ${pending.name} (${args.toolUseId})`;
    },
    { validator: (args) => validateApproval(args, turn.approvals) },
  );
  publish(state, input, turn, 'running');

  let ending: Ending | 'continue-as-new';
  try {
    ending = await loopScope.run(async () => {
      if (!resume) {
        const pinned = await pin(input);
        state.specs = pinned.specs;
        state.pinned = pinned.pinned;
        for (const spec of pinned.specs) tools.set(spec.name, spec);
      }
      return loop(state, input, pricing, turn);
    });
  } catch (err) {
    if (!wf.isCancellation(err)) throw asRunFailure(err);
    ending = cancelledEnding(state);
  }
  if (ending === 'continue-as-new') {
    // Updates and signals being handled finish first, so nothing a person sent is lost in the hand-over.
    // Waiting must not be cut short by a cancel request: the cancel is looked at right after.
    await wf.CancellationScope.nonCancellable(() => wf.condition(wf.allHandlersFinished));
    // A cancel that landed on this turn (signal or Temporal's cancel request; both cancel loopScope) ends
    // the run here: the next run of the chain would not know of it.
    if (loopScope.consideredCancelled) ending = cancelledEnding(state);
    else return wf.continueAsNew<typeof agentRun>(rawInput, toResume(state));
  }

  // Tool results of a run that stops before its next model call are stored too: the transcript is whole.
  if (state.pending.length > 0) {
    const pending = state.pending;
    state.head = await wf.CancellationScope.nonCancellable(() =>
      appendTranscript({ head: state.head, append: pending }),
    );
    state.messages += pending.length;
    state.pending = [];
  }
  const result = assemble(state, ending);
  state.finalStatus = result.status;
  publish(state, input, turn, result.status);
  recordRunEnd(result.status, input.model);
  wf.log.info('run finished', {
    status: result.status,
    iterations: result.iterations,
    totalTokens: totalTokens(result.usage),
    costUsd: result.costUsd,
    toolCalls: result.toolCalls.length,
  });
  return result;
}

async function loop(
  state: RunState,
  input: ParsedAgentInput,
  pricing: Pricing,
  turn: TurnContext,
): Promise<Ending | 'continue-as-new'> {
  const { limits } = input;
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
      model: input.model,
      maxTokens: limits.maxTokens,
      pinned: state.pinned,
      head: state.head,
      append: state.pending,
      disableParallelToolUse: !input.parallelToolCalls,
      promptCaching: input.promptCaching,
    };
    // On the last allowed iteration the model is asked for an answer, not for more tool calls.
    if (verdict.finalTurn && state.specs.length > 0) request.toolChoice = { type: 'none' };
    else if (input.toolChoice) request.toolChoice = input.toolChoice;

    const reply = await modelCall(`${input.model} · turn ${iteration}`)(request);
    // The call was paid for whatever its reply holds, so it counts before the reply is judged.
    state.iterations = iteration;
    const costBefore = state.costUsd;
    state.usage = addUsage(state.usage, reply.usage);
    state.costUsd = costUsd(state.usage, pricing);
    recordModelCall(input.model, reply.usage, (state.costUsd - costBefore) * 1e6);
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
    publish(state, input, turn, 'running');

    const action = decideStop(reply.stopReason, {
      maxTokens: limits.maxTokens,
      inputTokens:
        reply.usage.input_tokens +
        reply.usage.cache_read_input_tokens +
        reply.usage.cache_creation_input_tokens,
      onMaxTokens: input.onMaxTokens,
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
        state.toolCalls.push(...records);
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
        publish(state, input, turn, 'running');
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
  const { cancelReason: _c, finalStatus: _f, ...resume } = state;
  return { ...resume, toolCalls: fitLedger(resume.toolCalls) };
}

function validate(rawInput: unknown): ParsedAgentInput {
  const parsed = parseAgentInput(rawInput);
  if (parsed.ok) return parsed.value;
  throw wf.ApplicationFailure.create({
    type: RunErrorType.InvalidAgentInput,
    nonRetryable: true,
    message: `The run input is invalid:\n- ${parsed.problems.join('\n- ')}`,
    details: [{ problems: parsed.problems }],
  });
}

function priceOf(input: ParsedAgentInput): Pricing {
  const pricing = input.pricing ?? pricingFor(input.model);
  if (pricing) return pricing;
  throw wf.ApplicationFailure.create({
    type: RunErrorType.UnknownModelPrice,
    nonRetryable: true,
    message: `No price is known for model "${input.model}", so the cost budget cannot be enforced. Pass "pricing": { inputPerMTok, outputPerMTok, cacheWritePerMTok, cacheReadPerMTok } with the run.`,
  });
}

async function pin(input: ParsedAgentInput): Promise<{ specs: ToolSpec[]; pinned: string }> {
  try {
    return await pinRun({
      ...(input.tools === undefined ? {} : { names: input.tools }),
      ...(input.system === undefined ? {} : { system: input.system }),
    });
  } catch (err) {
    throw asRunFailure(err);
  }
}

// An activity's typed failure becomes the run's failure with the same type and message, so callers see
// "ClaudeBadRequest: …" rather than a generic "activity task failed".
function asRunFailure(err: unknown): unknown {
  if (err instanceof wf.ActivityFailure && err.cause instanceof wf.ApplicationFailure) {
    return wf.ApplicationFailure.create({
      type: err.cause.type ?? 'ActivityFailed',
      message: err.cause.message,
      nonRetryable: true,
      cause: err,
    });
  }
  return err;
}

function validateApproval(
  args: { toolUseId?: unknown; approved?: unknown },
  approvals: Map<string, PendingApproval>,
): void {
  if (typeof args?.toolUseId !== 'string' || typeof args.approved !== 'boolean') {
    throw new Error('approve takes { toolUseId: string, approved: boolean, note?: string }.');
  }
  const pending = approvals.get(args.toolUseId);
  const waiting = [...approvals.keys()].join(', ') || 'none';
  if (!pending)
    throw new Error(
      `No tool call ${args.toolUseId} is waiting for approval in this run. Waiting now: ${waiting}.`,
    );
  if (pending.decision)
    throw new Error(
      `Tool call ${args.toolUseId} was already ${pending.decision.approved ? 'approved' : 'rejected'}.`,
    );
}

function assemble(state: RunState, ending: Ending): AgentResult {
  const inDoubt = state.toolCalls.some(
    (call) => call.effect === 'unsafe' && (call.status === 'failed' || call.status === 'outcome_unknown'),
  );
  const status: RunStatus = inDoubt && ending.status !== 'cancelled' ? 'needs_attention' : ending.status;
  const result: AgentResult = {
    status,
    text: state.continuedText + state.lastText,
    stopReason: state.stopReason,
    iterations: state.iterations,
    usage: state.usage,
    costUsd: state.costUsd,
    // The ledger keeps every call's input; a long run's ledger must still fit in one result payload.
    toolCalls: fitLedger(state.toolCalls),
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

function progress(
  state: RunState,
  input: ParsedAgentInput,
  turn: TurnContext,
  status: RunProgress['status'],
): RunProgress {
  return {
    status,
    model: input.model,
    text: state.continuedText + state.lastText,
    stopReason: state.stopReason,
    iterations: state.iterations,
    usage: state.usage,
    costUsd: state.costUsd,
    toolCalls: state.toolCalls,
    toolsRunning: [...turn.running.values()],
    approvalsWaiting: [...turn.approvals.values()].map(({ toolUseId, name, input: args }) => ({
      toolUseId,
      name,
      input: args,
    })),
  };
}

// Search attributes and current details are what the Web UI and `temporal workflow list` show of a run.
function publish(
  state: RunState,
  input: ParsedAgentInput,
  turn: TurnContext,
  status: RunProgress['status'],
): void {
  wf.upsertSearchAttributes([
    { key: AgentStatus, value: status },
    { key: AgentIteration, value: state.iterations },
    { key: AgentTotalTokens, value: totalTokens(state.usage) },
    { key: AgentCostUsd, value: state.costUsd },
    { key: AgentModel, value: input.model },
  ]);
  const waiting = [...turn.approvals.values()].map((a) => `${a.name} (${a.toolUseId})`);
  // The Web UI renders this as markdown: one paragraph per line, and no "2/10" (it would become a fraction).
  wf.setCurrentDetails(
    [
      `**${status}** · turn ${state.iterations} of ${input.limits.maxIterations}`,
      `tokens ${totalTokens(state.usage)} · cost $${state.costUsd.toFixed(4)}`,
      turn.running.size > 0 ? `running: ${[...turn.running.values()].join(', ')}` : '',
      waiting.length > 0 ? `waiting for approval: ${waiting.join(', ')}` : '',
    ]
      .filter((line) => line !== '')
      .join('\n\n'),
  );
}
