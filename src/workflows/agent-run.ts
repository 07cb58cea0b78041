// The agent loop as a Temporal workflow. It holds only decisions and state: every model call and tool call is
// an activity, so after a crash the loop is replayed from history and finished calls are not made again.
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
  isToolUse,
  parseAgentInput,
  pricingFor,
  RunErrorType,
  statusQuery,
  textOf,
  ZERO_USAGE,
} from '../shared';
import type {
  AgentResult,
  ContentBlock,
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
import { describeTools, modelCall } from './proxies';
import { addUsage, checkBudget, costUsd, totalTokens } from './budget';
import { decideStop } from './stop-reason';
import { runToolCalls } from './tool-calls';
import type { PendingApproval, TurnContext } from './tool-calls';

const CONTINUE_PROMPT =
  'Your previous reply was cut off by the max_tokens limit. Continue exactly where it stopped.';

/** How the loop ended, before the result is assembled. */
interface Ending {
  status: RunStatus;
  reason?: string;
}

/** Mutable state of one run; the status query reads it. */
interface RunState {
  messages: MessageParam[];
  iterations: number;
  usage: Usage;
  costUsd: number;
  stopReason: StopReason | null;
  toolCalls: ToolCallRecord[];
  /** Text of replies cut at max_tokens and continued, joined to the final answer. */
  continuedText: string;
  cancelReason?: string;
  /** Set once the run has ended, so the status query tells the final status. */
  finalStatus?: RunStatus;
}

/** One agent run: a Claude tool-use loop with budgets, bounded retries and durable tool calls. */
export async function agentRun(rawInput: unknown): Promise<AgentResult> {
  const input = validate(rawInput);
  const pricing = priceOf(input);
  // Filled once the tools are pinned; handlers are registered first so that a query, signal or update that
  // arrives with the first workflow task finds them.
  const tools = new Map<string, ToolSpec>();

  const state: RunState = {
    messages: input.messages ?? [{ role: 'user', content: input.prompt ?? '' }],
    iterations: 0,
    usage: ZERO_USAGE,
    costUsd: 0,
    stopReason: null,
    toolCalls: [],
    continuedText: '',
  };
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

  let ending: Ending;
  try {
    ending = await loopScope.run(async () => {
      const specs = await pinTools(input);
      for (const spec of specs) tools.set(spec.name, spec);
      return loop(state, input, pricing, specs, turn);
    });
  } catch (err) {
    if (!wf.isCancellation(err)) throw asRunFailure(err);
    ending = { status: 'cancelled', reason: state.cancelReason ?? 'the workflow was cancelled' };
  }

  const result = assemble(state, ending);
  state.finalStatus = result.status;
  publish(state, input, turn, result.status);
  wf.log.info('run finished', {
    status: result.status,
    iterations: result.iterations,
    costUsd: result.costUsd,
  });
  return result;
}

async function loop(
  state: RunState,
  input: ParsedAgentInput,
  pricing: Pricing,
  specs: ToolSpec[],
  turn: TurnContext,
): Promise<Ending> {
  const { limits } = input;
  for (;;) {
    const verdict = checkBudget(state, limits);
    if (verdict.stop) return { status: verdict.status, reason: verdict.reason };

    const iteration = state.iterations + 1;
    const request: CallClaudeInput = {
      model: input.model,
      maxTokens: limits.maxTokens,
      messages: state.messages,
      tools: specs,
      disableParallelToolUse: !input.parallelToolCalls,
    };
    if (input.system !== undefined) request.system = input.system;
    // On the last allowed iteration the model is asked for an answer, not for more tool calls.
    if (verdict.finalTurn && specs.length > 0) request.toolChoice = { type: 'none' };
    else if (input.toolChoice) request.toolChoice = input.toolChoice;

    const reply = await modelCall(`${input.model} · turn ${iteration}`)(request);
    state.iterations = iteration;
    state.usage = addUsage(state.usage, reply.usage);
    state.costUsd = costUsd(state.usage, pricing);
    state.stopReason = reply.stopReason;
    const calls = reply.content.filter(isToolUse);
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

    const midTask = lastIsToolResults(state.messages);
    appendAssistant(state, reply.content);
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
        state.continuedText += textOf(reply.content);
        state.messages.push({ role: 'user', content: CONTINUE_PROMPT });
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
        state.messages.push({ role: 'user', content: blocks });
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

async function pinTools(input: ParsedAgentInput): Promise<ToolSpec[]> {
  try {
    return await describeTools(input.tools === undefined ? {} : { names: input.tools });
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

function appendAssistant(state: RunState, content: ContentBlock[]): void {
  // An empty reply cannot be sent back (the API rejects empty content), so it is not kept in the transcript.
  if (content.length > 0) state.messages.push({ role: 'assistant', content });
}

function lastIsToolResults(messages: MessageParam[]): boolean {
  const last = messages[messages.length - 1];
  return (
    last?.role === 'user' && Array.isArray(last.content) && last.content.some((b) => b.type === 'tool_result')
  );
}

function assemble(state: RunState, ending: Ending): AgentResult {
  const last = [...state.messages].reverse().find((m) => m.role === 'assistant');
  const inDoubt = state.toolCalls.some(
    (call) => call.effect === 'unsafe' && (call.status === 'failed' || call.status === 'outcome_unknown'),
  );
  const status: RunStatus = inDoubt && ending.status !== 'cancelled' ? 'needs_attention' : ending.status;
  const result: AgentResult = {
    status,
    text: state.continuedText + (last ? textOf(last.content) : ''),
    stopReason: state.stopReason,
    iterations: state.iterations,
    usage: state.usage,
    costUsd: state.costUsd,
    toolCalls: state.toolCalls,
    messages: state.messages,
  };
  const reason = inDoubt
    ? 'an unsafe tool call failed or its outcome is unknown; check the toolCalls ledger'
    : ending.reason;
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
    text: state.continuedText,
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
  wf.setCurrentDetails(
    [
      `**${status}** · turn ${state.iterations}/${input.limits.maxIterations}`,
      `tokens ${totalTokens(state.usage)} · cost $${state.costUsd.toFixed(4)}`,
      turn.running.size > 0 ? `running: ${[...turn.running.values()].join(', ')}` : '',
      waiting.length > 0 ? `waiting for approval: ${waiting.join(', ')}` : '',
    ]
      .filter((line) => line !== '')
      .join('\n'),
  );
}
