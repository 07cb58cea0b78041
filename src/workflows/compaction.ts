// Keeps each request inside the model's context window. Before a model call, when the last request's size says
// the next one may be near the run's threshold, the fitContext activity counts it (count_tokens) and, over the
// threshold, replaces the oldest turns with a summary made by a model call. A "prompt is too long" answer makes
// the run learn the window, compact and ask again. The run state's `head` stays the whole conversation; what is
// sent once the run has compacted is `context.sent`. Every decision rests on the pinned plan and on activity
// results and failures in history, so replay takes the same path.
import * as wf from '@temporalio/workflow';
import type { CallClaudeInput, CallClaudeOutput } from '../shared/activity-contract';
import type { CompactionReport, ContextEdit, ContextManagement, ContextState } from '../shared/context';
import { ClaudeErrorType } from '../shared/errors';
import type { MessageParam, ToolResultBlock } from '../shared/messages';
import type { RunPlan } from '../shared/run-plan';
import { chargeModelCall } from './model-spend';
import { fitContextCall } from './proxies';
import type { RunState } from './run-state';

/** The last request's size, as a fraction of the threshold, from which the next one is counted before it is sent. */
export const COUNT_FROM = 0.5;

// A run whose request is still too long after this many compactions in a row cannot be helped by another.
const MAX_TOO_LONG_IN_A_ROW = 2;

/** The run's context window: the one the API reported, else the pinned one. */
function windowTokens(state: RunState, plan: RunPlan): number {
  return state.context?.learnedWindowTokens ?? plan.context?.windowTokens ?? Infinity;
}

function threshold(state: RunState, plan: RunPlan): number {
  return Math.floor(windowTokens(state, plan) * (plan.context?.compactAt ?? 1));
}

/** Tokens assumed for a tool result stored out of line, whose size the workflow does not see (over 2 KiB). */
const OUT_OF_LINE_TOKENS = 512;

/**
 * Whether the next request may be near the threshold: the last one's tokens plus an estimate of the new
 * messages (four characters a token; OUT_OF_LINE_TOKENS for each result stored out of line) reach COUNT_FROM
 * of it. Far from the window no count is made; a result so large that it jumps past the window on its own is
 * caught by the API's "prompt is too long" answer, which compacts and asks again.
 */
export function mayBeNear(
  lastPromptTokens: number,
  pending: readonly MessageParam[],
  thresholdTokens: number,
): boolean {
  let outOfLine = 0;
  for (const message of pending) {
    if (typeof message.content === 'string') continue;
    for (const block of message.content)
      if (block.type === 'tool_result' && typeof (block as ToolResultBlock).content_ref === 'string')
        outOfLine += 1;
  }
  const estimate =
    lastPromptTokens + Math.ceil(JSON.stringify(pending).length / 4) + outOfLine * OUT_OF_LINE_TOKENS;
  return estimate >= thresholdTokens * COUNT_FROM;
}

/** The transcript heads and context management of the next model call. */
export function sentTranscript(
  state: RunState,
  plan: RunPlan,
): Pick<CallClaudeInput, 'head' | 'fullHead' | 'contextManagement'> {
  const sent = state.context?.sent;
  const management = contextManagement(state, plan);
  return {
    head: sent ? sent.head : state.head,
    ...(sent ? { fullHead: state.head } : {}),
    ...(management ? { contextManagement: management } : {}),
  };
}

function contextManagement(state: RunState, plan: RunPlan): ContextManagement | undefined {
  const context = plan.context;
  if (!context) return undefined;
  const trigger = { type: 'input_tokens' as const, value: threshold(state, plan) };
  const edits: ContextEdit[] = [];
  if (context.clearToolResults) {
    edits.push({
      type: 'clear_tool_uses_20250919',
      trigger,
      keep: { type: 'tool_uses', value: context.keepLatestTurns },
    });
  }
  if (context.serverCompaction) edits.push({ type: 'compact_20260112', trigger });
  return edits.length > 0 ? { edits } : undefined;
}

/** Takes in a model call's reply: the new heads, and its size as the start of the next request's. */
export function acceptReply(state: RunState, plan: RunPlan, reply: CallClaudeOutput): void {
  const context = state.context;
  if (context?.sent && reply.fullHead !== undefined) {
    context.sent = { head: reply.head, messages: context.sent.messages + reply.appended };
    state.head = reply.fullHead;
  } else state.head = reply.head;
  if (!plan.context) return;
  const own = contextOf(state);
  own.tooLongInARow = 0;
  const { usage } = reply;
  own.lastPromptTokens =
    usage.input_tokens +
    usage.cache_read_input_tokens +
    usage.cache_creation_input_tokens +
    usage.output_tokens;
}

/**
 * Before a model call: when the request may be near the threshold (or `force`, after a "prompt is too long"),
 * counts it and compacts it if it is over. The summary call's usage counts in the run's usage and cost.
 */
export async function fitContext(state: RunState, plan: RunPlan, force = false): Promise<void> {
  const context = plan.context;
  if (!context?.compaction) return;
  const own = contextOf(state);
  const limit = threshold(state, plan);
  if (!force && !mayBeNear(own.lastPromptTokens, state.pending, limit)) return;
  const window = windowTokens(state, plan);
  const betas = plan.requestParams?.betas;
  const management = contextManagement(state, plan);
  const out = await fitContextCall(
    plan.heartbeatTimeoutMs,
    own.times + 1,
  )({
    model: plan.model,
    pinned: state.pinned,
    head: own.sent ? own.sent.head : state.head,
    append: state.pending,
    thresholdTokens: limit,
    windowTokens: window,
    keepLatestTurns: context.keepLatestTurns,
    force,
    compacted: own.sent !== undefined,
    summaryMaxTokens: Math.max(256, Math.min(4096, Math.floor(window / 20))),
    ...(management ? { contextManagement: management } : {}),
    ...(betas ? { betas } : {}),
  });
  if (!out.compacted) {
    own.lastPromptTokens = out.tokens;
    return;
  }
  own.sent = { head: out.head, messages: out.messages };
  own.times += 1;
  own.tokensBefore += out.tokensBefore;
  own.tokensAfter += out.tokensAfter;
  own.messagesSummarized += out.summarized;
  own.lastPromptTokens = out.tokensAfter;
  chargeModelCall(state, plan, out.usage);
  wf.log.info('context compacted', {
    tokensBefore: out.tokensBefore,
    tokensAfter: out.tokensAfter,
    summarized: out.summarized,
    windowTokens: window,
  });
}

/**
 * After a failed model call: when the API said "prompt is too long", learns the window from it, compacts and
 * returns true (ask again); false for any other failure, or when compacting has not helped twice in a row.
 */
export async function recoverFromTooLong(state: RunState, plan: RunPlan, err: unknown): Promise<boolean> {
  if (!plan.context?.compaction) return false;
  const tooLong = promptTooLong(err);
  if (!tooLong) return false;
  const own = contextOf(state);
  own.tooLongInARow += 1;
  if (own.tooLongInARow > MAX_TOO_LONG_IN_A_ROW) return false;
  if (tooLong.windowTokens !== undefined) own.learnedWindowTokens = tooLong.windowTokens;
  if (tooLong.promptTokens !== undefined) own.lastPromptTokens = tooLong.promptTokens;
  wf.log.warn('the request was too long for the context window; compacting and asking again', tooLong);
  await fitContext(state, plan, true);
  return true;
}

function promptTooLong(err: unknown): { promptTokens?: number; windowTokens?: number } | undefined {
  if (!(err instanceof wf.ActivityFailure) || !(err.cause instanceof wf.ApplicationFailure)) return undefined;
  if (err.cause.type !== ClaudeErrorType.PromptTooLong) return undefined;
  const details = (err.cause.details?.[0] ?? {}) as Record<string, unknown>;
  const count = (value: unknown) =>
    typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined;
  const windowTokens = count(details['windowTokens']);
  const promptTokens = count(details['promptTokens']);
  return { ...(windowTokens ? { windowTokens } : {}), ...(promptTokens ? { promptTokens } : {}) };
}

/** How often and how much the run compacted, for its result; undefined when it never did nor learned a window. */
export function compactionReport(state: RunState): CompactionReport | undefined {
  const own = state.context;
  if (!own || !state.plan || (own.times === 0 && own.learnedWindowTokens === undefined)) return undefined;
  return {
    times: own.times,
    tokensBefore: own.tokensBefore,
    tokensAfter: own.tokensAfter,
    messagesSummarized: own.messagesSummarized,
    windowTokens: windowTokens(state, state.plan),
    windowLearned: own.learnedWindowTokens !== undefined,
    sent: own.sent ?? null,
  };
}

function contextOf(state: RunState): ContextState {
  state.context ??= {
    lastPromptTokens: 0,
    times: 0,
    tokensBefore: 0,
    tokensAfter: 0,
    messagesSummarized: 0,
    tooLongInARow: 0,
  };
  return state.context;
}
