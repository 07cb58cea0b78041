// The fitContext activity: counts the next request with count_tokens and, when it is over the run's threshold
// (or the API has just said it is too long), replaces the oldest turns with a summary made by a model call. The
// compacted transcript is stored as a new chain; the whole conversation stays in the store for audit.
import type Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { FitContextInput, FitContextOutput, MessageParam } from '../shared';
import { ClaudeErrorType, COMPACTION_SYSTEM_PROMPT, RunErrorType, textOf } from '../shared';
import { storeFailure } from '../store';
import type { Transcripts } from '../store';
import { betaHeaders } from './api-params';
import { apiUsage } from './api-usage';
import type { PinnedRequest } from './call-claude';
import { toClaudeFailure } from './claude-errors';
import { contextBetas } from './context-params';
import { compactedMessages, cutIndex, renderForSummary, splitFirst } from './compact-cut';
import { startHeartbeat } from './heartbeat';

// A summary request that is itself too long is asked again with half the text, this many times.
const SUMMARY_TRIES = 3;

/** Builds the fitContext activity. */
export function createFitContext(anthropic: Anthropic, transcripts: Transcripts) {
  return async function fitContext(input: FitContextInput): Promise<FitContextOutput> {
    const ctx = Context.current();
    const stopHeartbeat = startHeartbeat(ctx);
    try {
      // The new messages are stored after the head (as callClaude will store them), so their out-of-line tool
      // results are read back whole: they are counted, never cut.
      const [pinned, whole] = await Promise.all([
        transcripts.json<PinnedRequest>(input.pinned),
        transcripts.append(input.head, input.append).then((head) => transcripts.load(head)),
      ]);
      const messages = whole.slice(0, whole.length - input.append.length);
      const pending = whole.slice(messages.length);
      const count = (head: MessageParam[]) =>
        countTokens(anthropic, input, pinned, [...head, ...pending], ctx.cancellationSignal);
      const before = await count(messages);
      if (!input.force && before < input.thresholdTokens) return { compacted: false, tokens: before };

      const first = messages[0];
      const { task, previous } = first ? splitFirst(first, input.compacted) : { task: undefined };
      // The largest number of kept turns whose request, with room for the summary, is under the threshold;
      // one kept turn when none is (it must still fit the window).
      let cut: number | undefined;
      for (let keep = input.keepLatestTurns; keep >= 1 && task; keep--) {
        const at = cutIndex(messages, keep);
        if (at === undefined) break;
        cut = at;
        const without = await count([task, ...messages.slice(at)]);
        if (without + input.summaryMaxTokens < input.thresholdTokens) break;
        if (keep === 1 && without + input.summaryMaxTokens >= input.windowTokens) cut = undefined;
      }
      if (cut === undefined || !task) throw cannotFit(before, input);

      const { summary, usage } = await summarize(
        anthropic,
        input,
        task,
        previous,
        messages.slice(1, cut),
        ctx,
      );
      const compacted = compactedMessages(messages, cut, task, summary);
      const head = await transcripts.append(null, compacted);
      const after = await count(compacted);
      if (after >= input.windowTokens) throw cannotFit(after, input);
      return {
        compacted: true,
        tokensBefore: before,
        tokensAfter: after,
        head,
        messages: compacted.length,
        summarized: cut - 1,
        usage,
      };
    } catch (err) {
      if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? err;
      if (err instanceof ApplicationFailure) throw err;
      throw storeFailure(err, ctx.info.attempt) ?? toClaudeFailure(err);
    } finally {
      stopHeartbeat();
    }
  };
}

async function countTokens(
  anthropic: Anthropic,
  input: FitContextInput,
  pinned: PinnedRequest,
  messages: MessageParam[],
  signal: AbortSignal,
): Promise<number> {
  const body: Record<string, unknown> = { model: input.model, messages };
  if (pinned.system) body['system'] = pinned.system;
  if (pinned.tools.length > 0) body['tools'] = pinned.tools;
  if (input.contextManagement) body['context_management'] = input.contextManagement;
  const counted = await anthropic.messages.countTokens(
    body as unknown as Anthropic.MessageCountTokensParams,
    // The count carries the request's context_management, so it needs that feature's betas like callClaude's call.
    {
      signal,
      headers: betaHeaders(undefined, [...(input.betas ?? []), ...contextBetas(input.contextManagement)]),
    },
  );
  return counted.input_tokens;
}

async function summarize(
  anthropic: Anthropic,
  input: FitContextInput,
  task: MessageParam,
  previous: string | undefined,
  cut: MessageParam[],
  ctx: Context,
) {
  // About four characters a token, half the window for the conversation; halved again if the API disagrees.
  let budgetChars = Math.max(2_000, (input.windowTokens - input.summaryMaxTokens) * 2);
  for (let tries = 1; ; tries++) {
    try {
      const message = await anthropic.messages
        .stream(
          {
            model: input.model,
            max_tokens: input.summaryMaxTokens,
            system: COMPACTION_SYSTEM_PROMPT,
            messages: [{ role: 'user', content: renderForSummary(task, previous, cut, budgetChars) }],
          },
          { signal: ctx.cancellationSignal, headers: betaHeaders(undefined, input.betas) },
        )
        .finalMessage();
      const summary = textOf(message.content as MessageParam['content']).trim();
      return {
        summary: summary === '' ? '(the summary came back empty)' : summary,
        usage: apiUsage(message.usage),
      };
    } catch (err) {
      const failure = toClaudeFailure(err);
      if (failure.type !== ClaudeErrorType.PromptTooLong || tries >= SUMMARY_TRIES) throw failure;
      budgetChars = Math.floor(budgetChars / 2);
    }
  }
}

function cannotFit(tokens: number, input: FitContextInput): ApplicationFailure {
  return ApplicationFailure.create({
    type: RunErrorType.ContextWindowExceeded,
    nonRetryable: true,
    message: `The next request is ${tokens} tokens and the model's context window is ${input.windowTokens}; compacting cannot bring it under, because the first user message, the latest turn and the new tool results alone are too large. Shorten the prompt, make the tools return less (or a reference to their data), or use a model with a larger window.`,
    details: [{ promptTokens: tokens, windowTokens: input.windowTokens }],
  });
}
