// Integration tests: a real Temporal dev server, a worker in this process, the fake Claude over real HTTP with a
// small context window. A long run with large tool results compacts its context (a summary made by a model call
// replaces the oldest turns) and completes, where without compaction it fails; a "prompt is too long" answer
// makes the run learn the window, compact and ask again; the whole conversation stays in the store.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { defineTool } from '../../src/activities/tools/define';
import { loadTranscript, RunFailedError } from '../../src/client';
import type { AgentInput, MessageParam } from '../../src/shared';
import { COMPACTION_SYSTEM_PROMPT, SUMMARY_PREFIX, textOf } from '../../src/shared';
import type { FakeTurn, MessagesRequestBody, RecordedRequest } from '../../src/testing';
import { useTestEnv } from '../helpers/env';

const RESULT_BYTES = 20 * 1024;
// The fake counts four characters a token: a 20 KiB result is about 5,100 tokens, so this window holds five.
const WINDOW = 30_000;
const SUMMARY_USAGE = { input_tokens: 1_000_000, output_tokens: 100 };

/** Returns a 20 KiB report that starts with its number. */
const bigReport = defineTool({
  name: 'big_report',
  description: 'A large report.',
  input: z.object({ n: z.number().int() }),
  effect: 'read',
  run: ({ n }) => `report ${n}: `.padEnd(RESULT_BYTES, 'lorem ipsum '),
});

const env = useTestEnv([bigReport]);

const isSummaryRequest = (body: MessagesRequestBody) =>
  JSON.stringify(body.system ?? '').includes(COMPACTION_SYSTEM_PROMPT.slice(0, 60));

/**
 * The model of these runs: asks for the report after the latest one it sees until `count` have come back, then
 * answers; asked for a summary, it writes one naming the reports it was shown.
 */
function reader(count: number): FakeTurn {
  return ({ body }) => {
    if (isSummaryRequest(body)) {
      const seen = [...JSON.stringify(body.messages).matchAll(/report (\d+):/g)].map((m) => m[1]);
      return { content: `Summary: reports ${seen.join(', ')} were read.`, usage: SUMMARY_USAGE };
    }
    const latest = [...JSON.stringify(body.messages).matchAll(/report (\d+):/g)].at(-1);
    const done = latest ? Number(latest[1]) : 0;
    if (done >= count) return { content: `Read ${done} reports.` };
    return { content: [{ type: 'tool_use', name: 'big_report', input: { n: done + 1 } }] };
  };
}

const runInput = (
  prompt: string,
  context: AgentInput['context'],
  model = `claude-small-context-${WINDOW}`,
) => ({
  prompt,
  model,
  pricing: { inputPerMTok: 0.01, outputPerMTok: 0.01, cacheWritePerMTok: 0.01, cacheReadPerMTok: 0.01 },
  limits: { maxIterations: 200, maxTotalTokens: 1_000_000_000, maxCostUsd: 1_000 },
  context,
});

const messagesOf = (r: RecordedRequest) => (r.body as { messages: MessageParam[] }).messages;
/** The model calls of one run (its summary calls too, which quote its task), refused ones included. */
const calls = (match: string) =>
  env.fake.requests.filter((r) => r.path === '/v1/messages' && JSON.stringify(r.body).includes(match));

describe('context compaction', () => {
  it('completes a 60-turn run with 20 KiB results on a small window, compacting, and keeps the whole transcript', async () => {
    const match = 'Read sixty reports';
    env.fake.script(
      Array.from({ length: 200 }, () => reader(60)),
      { match },
    );
    const result = await env.run(runInput(`${match}, one at a time.`, { windowTokens: WINDOW }));

    assert.equal(result.status, 'completed');
    assert.equal(result.text, 'Read 60 reports.');
    assert.equal(result.toolCallCounts?.total, 60);
    assert.equal(result.iterations, 61, 'summary calls are not turns');

    const all = calls(match);
    assert.ok(
      all.every((r) => r.response.status === 200),
      'no request went over the window',
    );
    const summaries = all.filter((r) => isSummaryRequest(r.body as MessagesRequestBody));
    const turns = all.filter((r) => !isSummaryRequest(r.body as MessagesRequestBody));
    assert.equal(turns.length, 61);
    // The summaries are model calls the fake received; the result reports each, and their usage is the run's.
    const compaction = result.compaction;
    assert.ok(compaction, 'the result reports compaction');
    assert.ok(compaction.times >= 5, `compacted ${compaction.times} times`);
    assert.equal(summaries.length, compaction.times);
    assert.ok(compaction.tokensAfter < compaction.tokensBefore);
    assert.ok(compaction.messagesSummarized > 0);
    assert.equal(compaction.windowTokens, WINDOW);
    assert.equal(compaction.windowLearned, false);
    assert.ok(result.usage.inputTokens >= compaction.times * SUMMARY_USAGE.input_tokens);
    assert.ok(result.costUsd >= compaction.times * 0.01);

    // Later requests keep the task (the first user message), carry the summary and end with the latest turns.
    const afterFirst = turns.slice(
      turns.findIndex((r) => textOf(messagesOf(r)[0]?.content ?? '').includes(SUMMARY_PREFIX)),
    );
    assert.ok(afterFirst.length > 10);
    for (const request of afterFirst) {
      const first = textOf(messagesOf(request)[0]?.content ?? '');
      assert.ok(first.startsWith(`${match}, one at a time.`), 'the task is kept word for word');
      assert.ok(first.includes(`${SUMMARY_PREFIX}Summary: reports`), 'the summary follows it');
    }
    const last = messagesOf(turns.at(-1) as RecordedRequest);
    assert.match(JSON.stringify(last.at(-1)), /report 60:/, 'the latest tool result is sent whole');
    assert.ok(last.length < 20, `the last request sent ${last.length} messages`);

    // The store keeps the whole conversation; the compacted one is referenced too.
    const transcript = await loadTranscript(result.transcript);
    assert.equal(transcript.length, 1 + 60 * 2 + 1);
    assert.equal(textOf(transcript[0]?.content ?? ''), `${match}, one at a time.`);
    assert.ok(compaction.sent);
    const sent = await loadTranscript(compaction.sent);
    assert.equal(sent.length, compaction.sent.messages);
    assert.ok(sent.length < 20);
    assert.deepEqual(sent.at(-1), transcript.at(-1), 'both end with the final answer');
  });

  it('fails with ClaudePromptTooLong on the same run when compaction is off', async () => {
    const match = 'Read sixty uncompacted reports';
    env.fake.script(
      Array.from({ length: 20 }, () => reader(60)),
      { match },
    );
    const failure = await env
      .run(runInput(`${match}, one at a time.`, { windowTokens: WINDOW, compaction: false }))
      .then(
        () => assert.fail('the run should fail'),
        (err: unknown) => err,
      );
    assert.ok(failure instanceof RunFailedError);
    assert.equal(failure.type, 'ClaudePromptTooLong');
    const rejected = calls(match).filter((r) => r.response.status === 400);
    assert.equal(rejected.length, 1);
    assert.match(rejected[0]?.response.message ?? '', /^prompt is too long: \d+ tokens > 30000 maximum$/);
  });

  it('learns the window from a "prompt is too long" answer, compacts, asks again and is not refused again', async () => {
    const match = 'Read fifteen reports';
    env.fake.script(
      Array.from({ length: 60 }, () => reader(15)),
      { match },
    );
    // The model name tells the run nothing: its window (200,000 by the table) is far larger than the fake's.
    const result = await env.run(runInput(`${match}, one at a time.`, {}, 'claude-small-context-20000'));

    assert.equal(result.status, 'completed');
    assert.equal(result.toolCallCounts?.total, 15);
    const all = calls(match);
    const refused = all.filter((r) => r.response.status === 400);
    assert.equal(refused.length, 1, 'one refusal, then the run knows the window');
    assert.match(refused[0]?.response.message ?? '', /prompt is too long: \d+ tokens > 20000 maximum/);
    // Right after the refusal: a summary call, then the same turn asked again, smaller.
    const at = all.indexOf(refused[0] as RecordedRequest);
    assert.ok(isSummaryRequest(all[at + 1]?.body as MessagesRequestBody));
    assert.equal(all[at + 2]?.response.status, 200);
    assert.equal(result.compaction?.windowLearned, true);
    assert.equal(result.compaction?.windowTokens, 20_000);
    assert.ok((result.compaction?.times ?? 0) >= 2, 'it went on compacting before the window');
    const transcript = await loadTranscript(result.transcript);
    assert.equal(transcript.length, 1 + 15 * 2 + 1);
  });

  it('carries the compacted transcript and the whole one across continue-as-new', async () => {
    const match = 'Read twenty chained reports';
    env.fake.script(
      Array.from({ length: 80 }, () => reader(20)),
      { match },
    );
    const input = runInput(`${match}, one at a time.`, { windowTokens: WINDOW });
    const handle = await env.start({
      ...input,
      limits: { ...input.limits, historyEventsBeforeContinueAsNew: 40 },
    });
    const result = await handle.result();

    assert.equal(result.status, 'completed');
    assert.equal(result.toolCallCounts?.total, 20);
    const runs: string[] = [];
    for await (const execution of env.client.workflow.list({ query: `WorkflowId = "${handle.workflowId}"` }))
      runs.push(execution.runId);
    assert.ok(runs.length >= 3, `the run continued as new (${runs.length} runs in the chain)`);
    const all = calls(match);
    assert.ok(all.every((r) => r.response.status === 200));
    const last = messagesOf(all.at(-1) as RecordedRequest);
    assert.ok(
      textOf(last[0]?.content ?? '').includes(SUMMARY_PREFIX),
      'the last request is still the compacted one',
    );
    assert.ok(last.length < 20);
    assert.ok((result.compaction?.times ?? 0) >= 2);
    const transcript = await loadTranscript(result.transcript);
    assert.equal(transcript.length, 1 + 20 * 2 + 1);
  });

  it("sends the API's context management with its betas when asked, and the fake clears old tool results", async () => {
    const match = 'Read ten cleared reports';
    env.fake.script(
      Array.from({ length: 11 }, () => reader(10)),
      { match },
    );
    // Runtime compaction is off: only the API's clearing keeps these requests inside the window.
    const result = await env.run(
      runInput(`${match}, one at a time.`, {
        windowTokens: WINDOW,
        compaction: false,
        clearToolResults: true,
        serverCompaction: true,
      }),
    );
    assert.equal(result.status, 'completed');
    assert.equal(result.toolCallCounts?.total, 10);
    const all = calls(match);
    assert.equal(all.length, 11);
    for (const request of all) {
      assert.equal(request.response.status, 200);
      assert.deepEqual(
        (
          request.body as { context_management: { edits: Array<{ type: string }> } }
        ).context_management.edits.map((e) => e.type),
        ['clear_tool_uses_20250919', 'compact_20260112'],
      );
      const betas = request.headers['anthropic-beta']?.split(',') ?? [];
      assert.ok(betas.includes('context-management-2025-06-27') && betas.includes('compact-2026-01-12'));
    }
    // The run sent every report back; the fake cleared the old ones, so no request went over the window.
    assert.equal(JSON.stringify(messagesOf(all.at(-1) as RecordedRequest)).match(/report \d+:/g)?.length, 10);
    assert.equal(result.compaction, undefined, 'the runtime never compacted');
  });

  it('counts with the context management betas when runtime compaction and the API clearing are both on', async () => {
    const match = 'Read six counted reports';
    env.fake.script(
      Array.from({ length: 20 }, () => reader(6)),
      { match },
    );
    const result = await env.run(
      runInput(`${match}, one at a time.`, { windowTokens: WINDOW, clearToolResults: true }),
    );
    assert.equal(result.status, 'completed');
    const counts = env.fake.requests.filter(
      (r) => r.path === '/v1/messages/count_tokens' && JSON.stringify(r.body).includes(match),
    );
    assert.ok(counts.length > 0, 'the run counted its requests before sending them');
    for (const request of counts) {
      assert.equal(request.response.status, 200);
      const betas = request.headers['anthropic-beta']?.split(',') ?? [];
      assert.ok(betas.includes('context-management-2025-06-27'), `count sent betas ${JSON.stringify(betas)}`);
    }
  });
});
