// Integration tests: a real Temporal dev server, a worker in this process, the fake Claude over real HTTP.
// History grows linearly with a run's new content; long runs continue as new without losing anything;
// payloads never reach Temporal's limit; prompt caching reads earlier turns from the cache.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { defineTool } from '../../src/activities/tools/define';
import { awaitResult, getProgress, loadTranscript, RunFailedError } from '../../src/client';
import type { MessageParam, ToolResultBlock } from '../../src/shared';
import type { FakeReply, FakeTurn, MessagesRequestBody } from '../../src/testing';
import { useTestEnv } from '../helpers/env';

const RESULT_BYTES = 20_000;

/** Returns a 20 KB report, different for every call. */
const bigReport = defineTool({
  name: 'big_report',
  description: 'A large report.',
  input: z.object({ n: z.number().int() }),
  effect: 'read',
  run: ({ n }) =>
    `report ${n}: ${'lorem ipsum dolor sit amet '.repeat(RESULT_BYTES / 27)}`
      .padEnd(RESULT_BYTES, '.')
      .slice(0, RESULT_BYTES),
});

const env = useTestEnv([bigReport]);

const toolResultCount = (messages: MessageParam[]) =>
  messages.flatMap((m) => (Array.isArray(m.content) ? m.content : [])).filter((b) => b.type === 'tool_result')
    .length;

/** Asks for report n+1 until `reports` have come back, then answers; `usage`, when given, on every reply. */
function reports(count: number, usage?: FakeReply['usage']): FakeTurn[] {
  const reply = ({ body }: { body: MessagesRequestBody }) => {
    const done = toolResultCount(body.messages as MessageParam[]);
    const fixed = usage ? { usage } : {};
    if (done >= count) return { content: `Read ${done} reports.`, ...fixed };
    return { content: [{ type: 'tool_use', name: 'big_report', input: { n: done + 1 } }], ...fixed };
  };
  return Array.from({ length: count + 1 }, () => reply);
}

const generous = { maxIterations: 200, maxTotalTokens: 100_000_000, maxCostUsd: 1000 };

async function historyBytes(workflowId: string): Promise<{ bytes: number; events: number }> {
  let bytes = 0;
  let events = 0;
  // Every run of the chain, when the run continued as new.
  for await (const execution of env.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    const history = await env.client.workflow.getHandle(workflowId, execution.runId).fetchHistory();
    bytes += temporal.api.history.v1.History.encode(history).finish().length;
    events += history.events?.length ?? 0;
  }
  return { bytes, events };
}

describe('history size', () => {
  it('keeps a 40-turn run with 20 KB tool results under 3x its new content', async () => {
    env.fake.script(reports(40), { match: 'forty reports' });
    // 40 results of 20 KB are about 200,000 tokens by the fake's count: compaction is off, so the last request
    // still holds every report (the fake does not limit this model's window).
    const handle = await env.start({
      prompt: 'Read forty reports.',
      limits: generous,
      context: { compaction: false },
    });
    const result = await awaitResult(handle);
    assert.equal(result.status, 'completed');
    assert.equal(result.toolCalls.length, 40);

    const { bytes, events } = await historyBytes(handle.workflowId);
    const content = 40 * RESULT_BYTES;
    console.log(
      `40 turns × 20 KB: history ${bytes} bytes in ${events} events for ${content} bytes of tool results (${(bytes / content).toFixed(3)}×)`,
    );
    assert.ok(bytes < 3 * content, `history ${bytes} bytes for ${content} bytes of new content`);

    // Nothing was lost: the model saw every report, in full, in the last request.
    const requests = env.fake.requests.filter((r) => r.match === 'forty reports');
    const last = (requests[requests.length - 1]?.body as { messages: MessageParam[] }).messages;
    const results = last
      .flatMap((m) => (Array.isArray(m.content) ? m.content : []))
      .filter((b): b is ToolResultBlock => b.type === 'tool_result');
    assert.equal(results.length, 40);
    assert.ok(results.every((r) => String(r.content).length === RESULT_BYTES && r.content_ref === undefined));
    const transcript = await loadTranscript(result.transcript);
    assert.equal(transcript.length, 82);
  });
});

describe('continue-as-new', () => {
  it('continues as new at turn boundaries without losing messages, usage or the ledger', async () => {
    env.fake.script(
      reports(8, {
        input_tokens: 100,
        output_tokens: 10,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      }),
      { match: 'eight reports' },
    );
    const handle = await env.start({
      prompt: 'Read eight reports.',
      limits: { ...generous, historyEventsBeforeContinueAsNew: 20 },
    });
    const result = await awaitResult(handle);
    assert.equal(result.status, 'completed');
    assert.equal(result.text, 'Read 8 reports.');
    assert.equal(result.iterations, 9);
    assert.deepEqual(
      result.toolCalls.map((c) => (c.input as { n: number }).n),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
    const requests = env.fake.requests.filter((r) => r.match === 'eight reports');
    assert.equal(requests.length, 9, 'one model call per turn across the chain');
    // Each reply reports 100 input and 10 output tokens: the totals span every run of the chain.
    assert.deepEqual(result.usage, {
      inputTokens: 900,
      outputTokens: 90,
      cacheReadInputTokens: 0,
      cacheCreationInputTokens: 0,
    });

    const runs: string[] = [];
    for await (const execution of env.client.workflow.list({ query: `WorkflowId = "${handle.workflowId}"` }))
      runs.push(execution.runId);
    assert.ok(runs.length >= 3, `the run continued as new (${runs.length} runs in the chain)`);
    const transcript = await loadTranscript(result.transcript);
    assert.equal(transcript.length, 18);
    assert.equal(toolResultCount(transcript), 8);
    const progress = await getProgress(env.client, handle.workflowId);
    assert.equal(progress.status, 'completed');
    assert.equal(progress.iterations, 9);
  });
});

describe('payload guard', () => {
  it('fails once, with a typed error naming the tool and size, when a reply could not be kept in history', async () => {
    env.fake.script(
      [
        {
          content: [
            {
              type: 'tool_use',
              id: 'toolu_huge',
              name: 'big_report',
              input: { n: 1, padding: 'x'.repeat(1_700_000) },
            },
          ],
        },
      ],
      { match: 'huge input' },
    );
    await assert.rejects(env.run({ prompt: 'A huge input.', limits: generous }), (err: unknown) => {
      assert.ok(err instanceof RunFailedError);
      assert.equal(err.type, 'PayloadTooLarge');
      assert.match(err.message, /1\.62 MiB.*input for "big_report"/);
      return true;
    });
    assert.equal(env.fake.requests.filter((r) => r.match === 'huge input').length, 1, 'not retried');
  });

  it('refuses a run input that Temporal could not hold, before starting anything', async () => {
    await assert.rejects(
      env.start({ prompt: 'y'.repeat(2_000_000) }),
      /run input is 1\.91 MiB.*at most 2 MiB/,
    );
  });
});

describe('prompt caching', () => {
  it('places breakpoints on tools, system and the end of the conversation, and reads earlier turns from cache', async () => {
    env.fake.script(reports(3), { match: 'cached reports' });
    const result = await env.run({
      prompt: 'Read cached reports.',
      system: 'You read reports.',
      limits: generous,
    });
    const requests = env.fake.requests
      .filter((r) => r.match === 'cached reports')
      .map((r) => r.body as Record<string, unknown>);
    for (const body of requests) {
      const tools = body.tools as Array<Record<string, unknown>>;
      assert.deepEqual(tools[tools.length - 1]?.cache_control, { type: 'ephemeral' });
      assert.deepEqual((body.system as Array<Record<string, unknown>>)[0]?.cache_control, {
        type: 'ephemeral',
      });
      const messages = body.messages as Array<{ content: Array<Record<string, unknown>> }>;
      const lastBlocks = messages[messages.length - 1]?.content ?? [];
      assert.deepEqual(lastBlocks[lastBlocks.length - 1]?.cache_control, { type: 'ephemeral' });
    }
    assert.ok(
      result.usage.cacheReadInputTokens > 10_000,
      `cache reads: ${result.usage.cacheReadInputTokens}`,
    );
    assert.ok(
      result.usage.cacheCreationInputTokens > 10_000,
      `cache writes: ${result.usage.cacheCreationInputTokens}`,
    );
    const u = result.usage;
    // Sonnet: $3 input, $15 output, $3.75 cache write, $0.30 cache read per million tokens.
    const expected =
      (u.inputTokens * 3 +
        u.outputTokens * 15 +
        u.cacheCreationInputTokens * 3.75 +
        u.cacheReadInputTokens * 0.3) /
      1e6;
    assert.ok(Math.abs(result.costUsd - expected) < 1e-6);
  });

  it('can be turned off per run', async () => {
    env.fake.script(reports(2), { match: 'uncached reports' });
    const result = await env.run({
      prompt: 'Read uncached reports.',
      system: 'You read reports.',
      promptCaching: false,
      limits: generous,
    });
    const bodies = env.fake.requests
      .filter((r) => r.match === 'uncached reports')
      .map((r) => JSON.stringify(r.body));
    assert.ok(bodies.every((b) => !b.includes('cache_control')));
    assert.equal(result.usage.cacheReadInputTokens + result.usage.cacheCreationInputTokens, 0);
  });
});
