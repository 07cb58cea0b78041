// Unit tests: no workers, no servers. What a compaction cuts and keeps, how a "prompt is too long" answer is
// read, when the workflow counts tokens, and how the fake plays the context window and context management.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { toClaudeFailure } from '../../src/activities/claude-errors';
import {
  compactedMessages,
  cutIndex,
  renderForSummary,
  splitFirst,
  withSummary,
} from '../../src/activities/compact-cut';
import { parsePromptTooLong } from '../../src/activities/prompt-too-long';
import type { MessageParam } from '../../src/shared';
import { agentInputSchema, contextWindowFor, SUMMARY_PREFIX } from '../../src/shared';
import {
  CLEARED_TOOL_RESULT,
  contextWindowOf,
  playContext,
} from '../../src/testing/fake-claude/context-window';
import { ApiRejection } from '../../src/testing/fake-claude/errors';
import type { MessagesRequestBody } from '../../src/testing/fake-claude/types';
import { COUNT_FROM, mayBeNear } from '../../src/workflows/compaction';

/** A task, then `turns` tool turns (assistant tool_use, user tool_result), then optionally a final answer. */
function conversation(turns: number, toolsPerTurn = 1): MessageParam[] {
  const messages: MessageParam[] = [{ role: 'user', content: 'Do the task.' }];
  for (let t = 1; t <= turns; t++) {
    const ids = Array.from({ length: toolsPerTurn }, (_, i) => `toolu_${t}_${i}`);
    messages.push({
      role: 'assistant',
      content: [
        { type: 'text', text: `turn ${t}` },
        ...ids.map((id) => ({ type: 'tool_use' as const, id, name: 'read', input: { t } })),
      ],
    });
    messages.push({
      role: 'user',
      content: ids.map((id) => ({ type: 'tool_result' as const, tool_use_id: id, content: `result ${id}` })),
    });
  }
  return messages;
}

/** The problems the real API would have with a transcript: roles, first message, tool pairs. */
function protocolProblems(messages: MessageParam[]): string[] {
  const problems: string[] = [];
  if (messages[0]?.role !== 'user') problems.push('first message is not the user');
  messages.forEach((message, i) => {
    if (i > 0 && messages[i - 1]?.role === message.role)
      problems.push(`two ${message.role} messages at ${i}`);
    const blocks = typeof message.content === 'string' ? [] : message.content;
    const results = blocks
      .filter((b) => b.type === 'tool_result')
      .map((b) => String((b as { tool_use_id?: string }).tool_use_id));
    const before = messages[i - 1];
    const asked =
      before && typeof before.content !== 'string'
        ? before.content.filter((b) => b.type === 'tool_use').map((b) => String((b as { id?: string }).id))
        : [];
    for (const id of results)
      if (!asked.includes(id)) problems.push(`tool_result ${id} at ${i} without its tool_use`);
    const next = messages[i + 1];
    const answered =
      next && typeof next.content !== 'string'
        ? next.content
            .filter((b) => b.type === 'tool_result')
            .map((b) => String((b as { tool_use_id?: string }).tool_use_id))
        : [];
    if (message.role === 'assistant' && next)
      for (const b of blocks)
        if (b.type === 'tool_use' && !answered.includes(String((b as { id?: string }).id)))
          problems.push(`tool_use ${String((b as { id?: string }).id)} at ${i} without its tool_result`);
  });
  return problems;
}

describe('choosing what a compaction cuts', () => {
  it('keeps the latest turns from an assistant message on, so no tool_use is parted from its tool_result', () => {
    for (let turns = 2; turns <= 12; turns++) {
      for (let keep = 1; keep <= 5; keep++) {
        for (const toolsPerTurn of [1, 3]) {
          const messages = conversation(turns, toolsPerTurn);
          const cut = cutIndex(messages, keep);
          assert.notEqual(cut, undefined, `${turns} turns, keep ${keep}`);
          assert.equal(messages[cut as number]?.role, 'assistant');
          const compacted = compactedMessages(
            messages,
            cut as number,
            messages[0] as MessageParam,
            'summary',
          );
          assert.deepEqual(protocolProblems(compacted), [], `${turns} turns, keep ${keep}`);
          assert.ok((cut as number) >= 2, 'at least one message is summarized');
        }
      }
    }
  });

  it('keeps as many assistant turns as asked for, when there are more before them', () => {
    const messages = conversation(10);
    const cut = cutIndex(messages, 4) as number;
    assert.equal(messages.slice(cut).filter((m) => m.role === 'assistant').length, 4);
    assert.deepEqual(messages.slice(cut).at(-1), messages.at(-1), 'the latest turn is kept whole');
  });

  it('has nothing to cut when the conversation is the task and one turn', () => {
    assert.equal(cutIndex(conversation(1), 4), undefined);
    assert.equal(cutIndex(conversation(1), 1), undefined);
    assert.equal(cutIndex([{ role: 'user', content: 'hi' }], 1), undefined);
  });

  it('keeps the task and puts the summary last in the first message, and finds it again next time', () => {
    const task: MessageParam = { role: 'user', content: 'Do the task.' };
    const first = withSummary(task, 'what happened');
    assert.deepEqual(first.content, [
      { type: 'text', text: 'Do the task.' },
      { type: 'text', text: `${SUMMARY_PREFIX}what happened` },
    ]);
    const again = splitFirst(first, true);
    assert.equal(again.previous, 'what happened');
    assert.deepEqual(withSummary(again.task, 'newer'), withSummary(task, 'newer'));
    assert.equal(splitFirst(first, false).previous, undefined, 'only a compacted transcript has a summary');
  });

  it('renders the turns to summarize within its budget, cutting long tool results', () => {
    const messages = conversation(6);
    const long = messages.map((m) =>
      typeof m.content === 'string'
        ? m
        : {
            ...m,
            content: m.content.map((b) =>
              b.type === 'tool_result' ? { ...b, content: 'x'.repeat(20_000) } : b,
            ),
          },
    );
    const text = renderForSummary(long[0] as MessageParam, 'before', long.slice(1, 9), 10_000);
    assert.ok(text.length < 12_000, `rendered ${text.length} characters`);
    assert.match(text, /called tool read \(toolu_1_0\)/);
    assert.match(text, /more characters\]/);
    assert.match(text, /<summary>\nbefore\n<\/summary>/);
  });
});

describe('prompt is too long', () => {
  it('reads the tokens and the window from the API message', () => {
    assert.deepEqual(parsePromptTooLong('prompt is too long: 210000 tokens > 200000 maximum'), {
      promptTokens: 210_000,
      windowTokens: 200_000,
    });
    assert.equal(parsePromptTooLong('messages.0: Field required'), undefined);
  });

  it('becomes ClaudePromptTooLong with the numbers in its details, not ClaudeBadRequest', () => {
    const err = Anthropic.APIError.generate(
      400,
      {
        type: 'error',
        error: { type: 'invalid_request_error', message: 'prompt is too long: 5200 tokens > 4000 maximum' },
      },
      undefined,
      new Headers(),
    );
    const failure = toClaudeFailure(err);
    assert.equal(failure.type, 'ClaudePromptTooLong');
    assert.equal(failure.nonRetryable, true);
    assert.deepEqual(
      { ...(failure.details?.[0] as object) },
      { status: 400, requestId: null, retryAt: null, promptTokens: 5200, windowTokens: 4000 },
    );
  });
});

describe('when the workflow counts tokens', () => {
  const results = (n: number, ref: boolean): MessageParam[] => [
    {
      role: 'user',
      content: Array.from({ length: n }, (_, i) =>
        ref
          ? { type: 'tool_result' as const, tool_use_id: `t${i}`, content_ref: `ref${i}` }
          : { type: 'tool_result' as const, tool_use_id: `t${i}`, content: 'short' },
      ),
    },
  ];

  it('does not count while the last request was far from the threshold', () => {
    assert.equal(mayBeNear(1_000, results(2, true), 100_000), false);
    assert.equal(mayBeNear(0, [], 100_000), false);
  });

  it('counts once the last request and the new results reach half the threshold', () => {
    assert.equal(mayBeNear(100_000 * COUNT_FROM, [], 100_000), true);
    assert.equal(mayBeNear(100_000 * COUNT_FROM - 600, results(2, true), 100_000), true);
    assert.equal(mayBeNear(100_000 * COUNT_FROM - 600, results(2, false), 100_000), false);
  });
});

describe('context settings', () => {
  it('default to runtime compaction at 80% of the window, API context management off', () => {
    const parsed = agentInputSchema.parse({ prompt: 'hi' });
    assert.deepEqual(parsed.context, {
      compaction: true,
      compactAt: 0.8,
      keepLatestTurns: 4,
      clearToolResults: false,
      serverCompaction: false,
    });
  });

  it('reject fractions and counts outside their bounds, naming the field', () => {
    const parsed = agentInputSchema.safeParse({
      prompt: 'hi',
      context: { compactAt: 1.5, keepLatestTurns: 0, extra: 1 },
    });
    assert.equal(parsed.success, false);
    const paths = parsed.error?.issues.map((i) => i.path.join('.') || i.message);
    assert.ok(paths?.includes('context.compactAt'));
    assert.ok(paths?.includes('context.keepLatestTurns'));
    assert.ok(parsed.error?.issues.some((i) => i.code === 'unrecognized_keys'));
  });

  it('know the windows of Claude models, the 1M beta included', () => {
    assert.equal(contextWindowFor('claude-sonnet-4-6'), 200_000);
    assert.equal(contextWindowFor('claude-sonnet-4-6', ['context-1m-2025-08-07']), 1_000_000);
    assert.equal(contextWindowFor('claude-haiku-4-5', ['context-1m-2025-08-07']), 200_000);
  });
});

describe('the fake context window', () => {
  const body = (
    model: string,
    chars: number,
    extra: Partial<MessagesRequestBody> = {},
  ): MessagesRequestBody => ({
    model,
    max_tokens: 100,
    messages: [{ role: 'user', content: 'x'.repeat(chars) }],
    ...extra,
  });

  it('takes the window from the option or a claude-small-context-<N> model name', () => {
    assert.equal(contextWindowOf('claude-small-context-4000'), 4000);
    assert.equal(contextWindowOf('claude-sonnet-4-6'), undefined);
    assert.equal(contextWindowOf('claude-sonnet-4-6', { 'claude-sonnet-4-6': 9000 }), 9000);
  });

  it('answers a request over the window with the real 400, and counts it the same for count_tokens', () => {
    const request = body('claude-small-context-1000', 8_000);
    const counted = playContext(request, undefined, undefined, 'count_tokens').inputTokens;
    assert.ok(counted > 1000);
    assert.throws(
      () => playContext(request, undefined, undefined, 'messages'),
      (err: unknown) =>
        err instanceof ApiRejection &&
        err.status === 400 &&
        err.message === `prompt is too long: ${counted} tokens > 1000 maximum`,
    );
    assert.equal(
      playContext(body('claude-small-context-1000', 100), undefined, undefined, 'messages').inputTokens <
        1000,
      true,
    );
  });

  it('refuses context_management without its beta and edits it does not know', () => {
    const edits = { edits: [{ type: 'clear_tool_uses_20250919' }] };
    assert.throws(
      () => playContext(body('m', 10, { context_management: edits }), undefined, undefined, 'messages'),
      ApiRejection,
    );
    const unknown = { edits: [{ type: 'clear_everything' }] };
    assert.throws(
      () =>
        playContext(
          body('m', 10, { context_management: unknown }),
          'context-management-2025-06-27',
          undefined,
          'messages',
        ),
      /does not match any of the expected tags/,
    );
    const compact = { edits: [{ type: 'compact_20260112' }] };
    assert.throws(
      () =>
        playContext(
          body('m', 10, { context_management: compact }),
          'context-management-2025-06-27',
          undefined,
          'messages',
        ),
      /compact-2026-01-12/,
    );
  });

  it('clears old tool results over the trigger and reports it', () => {
    const messages = conversation(5).map((m) =>
      typeof m.content === 'string'
        ? m
        : {
            ...m,
            content: m.content.map((b) =>
              b.type === 'tool_result' ? { ...b, content: 'y'.repeat(4000) } : b,
            ),
          },
    ) as MessagesRequestBody['messages'];
    const request: MessagesRequestBody = {
      model: 'claude-small-context-4000',
      max_tokens: 100,
      tools: [{ name: 'read', input_schema: { type: 'object' } }],
      messages,
      context_management: {
        edits: [
          {
            type: 'clear_tool_uses_20250919',
            trigger: { type: 'input_tokens', value: 1000 },
            keep: { type: 'tool_uses', value: 1 },
          },
        ],
      },
    };
    const play = playContext(request, 'context-management-2025-06-27', undefined, 'messages');
    assert.ok(play.inputTokens < 4000 && play.originalInputTokens > 4000);
    assert.equal(play.appliedEdits?.[0]?.['cleared_tool_uses'], 4);
    const contents = play.body.messages
      .flatMap((m) => (typeof m.content === 'string' ? [] : m.content))
      .filter((b) => b['type'] === 'tool_result')
      .map((b) => b['content']);
    assert.deepEqual(contents.slice(0, 4), Array(4).fill(CLEARED_TOOL_RESULT));
    assert.equal(String(contents[4]).length, 4000, 'the latest result is kept');
  });
});
