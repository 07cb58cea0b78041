// The agent loop: one turn after another until the run ends, its budget runs out or its history is long
// enough to continue as new. Every model call and tool call is an activity, so after a crash the loop is
// replayed from history and finished calls are not made again.
import * as wf from '@temporalio/workflow';
import type { CallClaudeInput } from '../shared/activity-contract';
import type { ContentBlock } from '../shared/messages';
import { RunErrorType } from '../shared/errors';
import type { PinnedRun, RunPlan } from '../shared/run-plan';
import { checkBudget, totalTokens } from './budget';
import { checkPinned, checkReply } from './checks';
import { acceptReply, fitContext, recoverFromTooLong, sentTranscript } from './compaction';
import { addCalls, storeCalls } from './ledger';
import { recordToolCall } from './metrics';
import { chargeModelCall } from './model-spend';
import { judgeOutput, outputTurn, withInstruction } from './output';
import { modelCall, pinRun } from './proxies';
import type { Ending, RunState } from './run-state';
import { decideStop } from './stop-reason';
import { rollInChildren } from './subagents';
import { duplicateToolUseId, runToolCalls } from './tool-calls';
import type { TurnContext } from './tool-calls';
import { publish } from './visibility';
import { modelCallStreamFields, replyReceived, toolsFinished } from './stream-events';

// A reply that breaks the protocol is asked for again this many times in a row before the run fails.
const MAX_FAULTY_REPLIES = 1;

const CONTINUE_PROMPT =
  'Your previous reply was cut off by the max_tokens limit. Continue exactly where it stopped.';

/** What a workflow that runs the loop once per turn of a conversation (agentSession) adds to it. */
export interface LoopHooks {
  /** Model calls made by earlier turns, so model-call numbers (`turn`) keep rising over the whole conversation. */
  callsBefore?: number;
  /**
   * Called at each boundary before a model call, after the run's own budget check: it may add to `state.pending`
   * (a steer message) or return an ending that stops the loop (the conversation's budget is spent).
   */
  beforeModelCall?: (state: RunState) => Ending | undefined;
}

/**
 * Runs turns until the run ends. With `canContinueAsNew`, it returns 'continue-as-new' at a turn boundary once
 * the history is long; without it (inside a user's own workflow, which owns continue-as-new) it goes on.
 */
export async function loop(
  state: RunState,
  plan: RunPlan,
  turn: TurnContext,
  canContinueAsNew: boolean,
  hooks: LoopHooks = {},
): Promise<Ending | 'continue-as-new'> {
  const { limits, pricing } = plan;
  let faultyReplies = 0;
  for (;;) {
    const verdict = checkBudget(state, limits);
    if (verdict.stop) return { status: verdict.status, reason: verdict.reason };
    if (
      canContinueAsNew &&
      state.iterations > 0 &&
      shouldContinueAsNew(limits.historyEventsBeforeContinueAsNew)
    )
      return 'continue-as-new';
    await fitContext(state, plan);

    const stopped = hooks.beforeModelCall?.(state);
    if (stopped) return stopped;

    const iteration = (hooks.callsBefore ?? 0) + state.iterations + 1;
    const midTask = state.pending.some(
      (m) => Array.isArray(m.content) && m.content.some((b) => b.type === 'tool_result'),
    );
    const request: CallClaudeInput = {
      model: plan.model,
      maxTokens: limits.maxTokens,
      pinned: state.pinned,
      ...sentTranscript(state, plan),
      append: state.pending,
      ...(plan.parallelToolCalls ? {} : { disableParallelToolUse: true }),
      promptCaching: plan.promptCaching,
      ...(plan.requestParams ? { requestParams: plan.requestParams } : {}),
      ...modelCallStreamFields(turn.stream, iteration),
    };
    // On the last allowed iteration the model is asked for an answer, not for more tool calls; a run with an
    // output is asked for the output instead (see outputTurn).
    const asked = outputTurn(plan, state, verdict.finalTurn);
    if (asked) {
      request.toolChoice = asked.toolChoice;
      if (asked.instruction) request.append = withInstruction(state.pending, asked.instruction);
    } else if (verdict.finalTurn && (state.tools.length > 0 || plan.subagents))
      request.toolChoice = { type: 'none' };
    else if (plan.toolChoice) request.toolChoice = plan.toolChoice;

    let answer;
    try {
      answer = await modelCall(`${plan.model} · turn ${iteration}`, plan.heartbeatTimeoutMs)(request);
    } catch (err) {
      // "Prompt is too long": the run compacts and asks again instead of failing.
      if (await recoverFromTooLong(state, plan, err)) continue;
      throw err;
    }
    const { reply, fixed } = checkReply(answer);
    if (fixed.length > 0)
      wf.log.warn('model call usage was not a token count; made safe', { turn: iteration, fixed });
    // The call was paid for whatever its reply holds, so it counts before the reply is judged.
    state.iterations += 1;
    chargeModelCall(state, plan, reply.usage);
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
    acceptReply(state, plan, reply);
    state.messages += reply.appended;
    state.pending = [];
    state.stopReason = reply.stopReason;
    state.stopSequence = reply.stopSequence ?? null;
    state.lastText = reply.text;
    let calls = reply.toolUses;
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

    let action = decideStop(reply.stopReason, {
      maxTokens: limits.maxTokens,
      inputTokens:
        reply.usage.input_tokens +
        reply.usage.cache_read_input_tokens +
        reply.usage.cache_creation_input_tokens,
      onMaxTokens: plan.onMaxTokens,
      hasToolUse: calls.length > 0,
    });
    // Blocks sent along with this turn's tool results (feedback on an invalid output).
    let extra: ContentBlock[] = [];
    if (plan.output && (action.kind === 'finish' || action.kind === 'run_tools')) {
      const judged = judgeOutput(plan.output, reply, state, turn);
      if (judged.next === 'ask') {
        replyReceived(turn.stream, iteration, reply, false);
        publish(state, plan, turn, 'running');
        continue;
      }
      if (judged.next === 'finish') {
        addCalls(state.ledger, judged.skipped);
        action = { kind: 'finish' };
      } else if (judged.next === 'run_tools') {
        ({ calls, extra } = judged);
        action = { kind: 'run_tools' };
      }
    }
    replyReceived(turn.stream, iteration, reply, action.kind === 'run_tools');
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
        toolsFinished(turn.stream, iteration, reply, records);
        rollInChildren(state, records, pricing);
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
        state.pending = [{ role: 'user', content: [...blocks, ...extra] }];
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

function duplicateIdFailure(id: string, replies: number): wf.ApplicationFailure {
  return wf.ApplicationFailure.create({
    type: RunErrorType.DuplicateToolUseId,
    nonRetryable: true,
    message: `The model's reply used the tool_use id "${id}" for more than one tool call, ${replies} replies in a row. Calls sharing an id would share one idempotency key, so none was run. This is a fault of the model endpoint; start the run again.`,
  });
}

/** Pins the run: its plan, tools and first messages, recorded in history as pinRun's result. */
export async function pin(rawInput: unknown): Promise<PinnedRun> {
  try {
    return checkPinned(await pinRun({ input: rawInput }));
  } catch (err) {
    throw asRunFailure(err);
  }
}

// An activity's typed failure becomes the run's failure with the same type and message, so callers see
// "ClaudeBadRequest: …" rather than a generic "activity task failed".
export function asRunFailure(err: unknown): unknown {
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
