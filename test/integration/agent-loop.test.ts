// Integration tests: a real Temporal dev server, a worker in this process, the fake Claude over real HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MessageParam, ToolResultBlock } from '../../src/shared';
import { startTestEnv } from '../helpers/env';
import type { TestEnv } from '../helpers/env';
import { executions, testTools } from '../helpers/tools';

let env: TestEnv;

before(async () => {
  env = await startTestEnv();
  await env.startWorker(testTools);
});
after(async () => {
  await env?.close();
});

function messagesOf(seq: number): MessageParam[] {
  const request = env.fake.requests.find((r) => r.seq === seq);
  return (request?.body as { messages: MessageParam[] }).messages;
}

function toolResultsOf(messages: MessageParam[]): ToolResultBlock[] {
  const last = messages[messages.length - 1];
  assert.ok(last && Array.isArray(last.content), 'the last message holds tool results');
  return last.content as ToolResultBlock[];
}

describe('agent loop', () => {
  it('answers with a tool round trip and reports usage and the ledger', async () => {
    env.fake.script(
      [
        { content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'toolu_happy_1', name: 'get_weather', input: { city: 'Lisbon' } }], usage: { input_tokens: 100, output_tokens: 20 } },
        { content: 'It is sunny in Lisbon.', usage: { input_tokens: 150, output_tokens: 10, cache_read_input_tokens: 50 } },
      ],
      { match: 'weather in Lisbon' },
    );
    const result = await env.run({ prompt: 'What is the weather in Lisbon?' });

    assert.equal(result.status, 'completed');
    assert.equal(result.text, 'It is sunny in Lisbon.');
    assert.equal(result.stopReason, 'end_turn');
    assert.equal(result.iterations, 2);
    assert.deepEqual(result.usage, { inputTokens: 250, outputTokens: 30, cacheReadInputTokens: 50, cacheCreationInputTokens: 0 });
    // Sonnet: 250 × $3 + 30 × $15 + 50 × $0.30 per million tokens.
    assert.equal(result.costUsd, (250 * 3 + 30 * 15 + 50 * 0.3) / 1e6);
    assert.equal(result.toolCalls.length, 1);
    assert.deepEqual(
      { id: result.toolCalls[0]?.toolUseId, status: result.toolCalls[0]?.status, attempts: result.toolCalls[0]?.attempts },
      { id: 'toolu_happy_1', status: 'succeeded', attempts: 1 },
    );

    const served = env.fake.requests.filter((r) => r.match === 'weather in Lisbon');
    assert.equal(served.length, 2);
    const second = served[1]?.body as { messages: MessageParam[]; tools: Array<{ name: string; input_schema: { additionalProperties?: boolean } }> };
    assert.deepEqual(second.tools.map((t) => t.name).sort(), ['broken_lookup', 'get_weather', 'slow_report']);
    assert.equal(second.tools.every((t) => t.input_schema.additionalProperties === false), true);
    const [toolResult] = toolResultsOf(second.messages);
    assert.equal(toolResult?.tool_use_id, 'toolu_happy_1');
    assert.equal(toolResult?.is_error, undefined);
    assert.match(String(toolResult?.content), /sunny in Lisbon/);
  });

  it('runs four 1-second tools of one turn concurrently', async () => {
    const cities = ['Oslo', 'Rome', 'Lima', 'Pune'];
    env.fake.script(
      [
        { content: cities.map((city) => ({ type: 'tool_use', name: 'get_weather', input: { city, delayMs: 1000 } })) },
        { content: 'Four forecasts.' },
      ],
      { match: 'four cities' },
    );
    const result = await env.run({ prompt: 'Weather in four cities, please.' });
    assert.equal(result.status, 'completed');
    const runs = executions.filter((e) => cities.includes((e.input as { city: string }).city));
    assert.equal(runs.length, 4);
    const first = Math.min(...runs.map((e) => e.startedAt));
    const last = Math.max(...runs.map((e) => e.finishedAt ?? Infinity));
    // Serial execution would take 4 s; concurrent takes 1 s plus scheduling.
    assert.ok(last - first < 2000, `the four tools took ${last - first} ms from first start to last finish`);
    const served = env.fake.requests.filter((r) => r.match === 'four cities');
    const turnGap = (served[1]?.receivedAt ?? 0) - (served[0]?.receivedAt ?? 0);
    assert.ok(turnGap < 2500, `the tool turn took ${turnGap} ms between model calls`);
    console.log(`fan-out: 4 × 1 s tools ran in ${last - first} ms; model call to model call ${turnGap} ms`);
    const results = toolResultsOf((served[1]?.body as { messages: MessageParam[] }).messages);
    assert.equal(results.length, 4);
  });
});
