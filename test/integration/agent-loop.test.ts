// Integration tests: a real Temporal dev server, a worker in this process, the fake Claude over real HTTP.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { defineTool } from '../../src/activities/tools/define';
import { RunFailedError } from '../../src/client';
import { textOf } from '../../src/shared';
import type { MessageParam, ToolResultBlock } from '../../src/shared';
import { useTestEnv } from '../helpers/env';
import { testTools } from '../helpers/tools';

const met: string[] = [];
let allMet: () => void;
const gathered = new Promise<void>((resolve) => (allMet = resolve));
/** Finishes only once four calls are running at the same time. */
const meet = defineTool({
  name: 'meet',
  description: 'Waits for the other calls of its turn.',
  input: z.object({ city: z.string() }),
  effect: 'read',
  timeout: '10s',
  retries: 0,
  async run({ city }, ctx) {
    met.push(city);
    if (met.length === 4) allMet();
    await Promise.race([
      gathered,
      new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
    ]);
    return `all ${met.length} met`;
  },
});

const env = useTestEnv([...testTools, meet]);

function toolResultsOf(messages: MessageParam[]): ToolResultBlock[] {
  const last = messages[messages.length - 1];
  assert.ok(last && Array.isArray(last.content), 'the last message holds tool results');
  return last.content as ToolResultBlock[];
}

describe('agent loop', () => {
  it('answers with a tool round trip and reports usage and the ledger', async () => {
    env.fake.script(
      [
        {
          content: [
            { type: 'text', text: 'Let me check.' },
            { type: 'tool_use', id: 'toolu_happy_1', name: 'get_weather', input: { city: 'Lisbon' } },
          ],
          usage: { input_tokens: 100, output_tokens: 20 },
        },
        {
          content: 'It is sunny in Lisbon.',
          usage: { input_tokens: 150, output_tokens: 10, cache_read_input_tokens: 50 },
        },
      ],
      { match: 'weather in Lisbon' },
    );
    const result = await env.run({ prompt: 'What is the weather in Lisbon?' });

    assert.equal(result.status, 'completed');
    assert.equal(result.text, 'It is sunny in Lisbon.');
    assert.equal(result.stopReason, 'end_turn');
    assert.equal(result.iterations, 2);
    assert.deepEqual(result.usage, {
      inputTokens: 250,
      outputTokens: 30,
      cacheReadInputTokens: 50,
      cacheCreationInputTokens: 0,
    });
    // Sonnet: 250 × $3 + 30 × $15 + 50 × $0.30 per million tokens.
    assert.equal(result.costUsd, (250 * 3 + 30 * 15 + 50 * 0.3) / 1e6);
    assert.equal(result.toolCalls.length, 1);
    assert.deepEqual(
      {
        id: result.toolCalls[0]?.toolUseId,
        status: result.toolCalls[0]?.status,
        attempts: result.toolCalls[0]?.attempts,
      },
      { id: 'toolu_happy_1', status: 'succeeded', attempts: 1 },
    );

    const served = env.fake.requests.filter((r) => r.match === 'weather in Lisbon');
    assert.equal(served.length, 2);
    const second = served[1]?.body as {
      messages: MessageParam[];
      tools: Array<{ name: string; input_schema: { additionalProperties?: boolean } }>;
    };
    assert.deepEqual(second.tools.map((t) => t.name).sort(), [
      'broken_lookup',
      'get_weather',
      'meet',
      'slow_report',
    ]);
    assert.equal(
      second.tools.every((t) => t.input_schema.additionalProperties === false),
      true,
    );
    const [toolResult] = toolResultsOf(second.messages);
    assert.equal(toolResult?.tool_use_id, 'toolu_happy_1');
    assert.equal(toolResult?.is_error, undefined);
    assert.match(String(toolResult?.content), /sunny in Lisbon/);
  });

  it('runs the four tools of one turn concurrently', async () => {
    const cities = ['Oslo', 'Rome', 'Lima', 'Pune'];
    env.fake.script(
      [
        {
          content: cities.map((city) => ({ type: 'tool_use', name: 'meet', input: { city } })),
        },
        { content: 'Four forecasts.' },
      ],
      { match: 'four cities' },
    );
    const result = await env.run({ prompt: 'Weather in four cities, please.' });
    assert.equal(result.status, 'completed');
    // Each call waits until all four are running, so run one at a time they would all time out.
    assert.deepEqual([...met].sort(), [...cities].sort());
    const served = env.fake.requests.filter((r) => r.match === 'four cities');
    const results = toolResultsOf((served[1]?.body as { messages: MessageParam[] }).messages);
    assert.deepEqual(
      results.map((r) => [r.is_error, r.content]),
      cities.map(() => [undefined, 'all 4 met']),
    );
  });

  it('finishes on stop_sequence like end_turn', async () => {
    env.fake.script([{ content: 'Counting: 1, 2', stopReason: 'stop_sequence', stopSequence: '3' }], {
      match: 'count to three',
    });
    const result = await env.run({ prompt: 'Please count to three.', stopSequences: ['3'] });
    assert.equal(result.status, 'completed');
    assert.equal(result.stopReason, 'stop_sequence');
    assert.equal(result.text, 'Counting: 1, 2');
  });

  it('sends a pause_turn reply back as it is and goes on', async () => {
    env.fake.script([{ content: 'Searching the web', stopReason: 'pause_turn' }, { content: 'Found it.' }], {
      match: 'long search',
    });
    const result = await env.run({ prompt: 'Do a long search.' });
    assert.equal(result.status, 'completed');
    assert.equal(result.iterations, 2);
    const served = env.fake.requests.filter((r) => r.match === 'long search');
    const resent = (served[1]?.body as { messages: MessageParam[] }).messages;
    const last = resent[resent.length - 1];
    assert.equal(last?.role, 'assistant');
    assert.equal(textOf(last?.content ?? ''), 'Searching the web');
  });

  it('fails with MaxTokensReached instead of accepting a cut reply', async () => {
    env.fake.script([{ content: 'The answer is', stopReason: 'max_tokens' }], { match: 'essay on tokens' });
    await assert.rejects(
      env.run({ prompt: 'Write an essay on tokens.', limits: { maxTokens: 64 } }),
      (err: unknown) => {
        assert.ok(err instanceof RunFailedError);
        assert.equal(err.type, 'MaxTokensReached');
        assert.match(err.message, /max_tokens \(64 tokens\)/);
        return true;
      },
    );
  });

  it('continues after max_tokens when the run asks for it, joining the text', async () => {
    env.fake.script([{ content: 'The answer is', stopReason: 'max_tokens' }, { content: ' forty-two.' }], {
      match: 'continue please',
    });
    const result = await env.run({ prompt: 'Answer, continue please.', onMaxTokens: 'continue' });
    assert.equal(result.status, 'completed');
    assert.equal(result.text, 'The answer is forty-two.');
    const served = env.fake.requests.filter((r) => r.match === 'continue please');
    const messages = (served[1]?.body as { messages: MessageParam[] }).messages;
    assert.equal(messages[messages.length - 1]?.role, 'user');
    assert.match(textOf(messages[messages.length - 1]?.content ?? ''), /cut off by the max_tokens limit/);
  });

  it('stops with status refused on a refusal and does not retry', async () => {
    env.fake.script([{ content: 'I cannot help with that.', stopReason: 'refusal' }], {
      match: 'forbidden thing',
    });
    const result = await env.run({ prompt: 'Do the forbidden thing.' });
    assert.equal(result.status, 'refused');
    assert.equal(result.iterations, 1);
    assert.equal(env.fake.requests.filter((r) => r.match === 'forbidden thing').length, 1);
  });

  it('fails with ContextWindowExceeded saying how large the context was', async () => {
    env.fake.script(
      [{ content: 'Partial', stopReason: 'model_context_window_exceeded', usage: { input_tokens: 199_000 } }],
      { match: 'huge context' },
    );
    await assert.rejects(env.run({ prompt: 'Summarise this huge context.' }), (err: unknown) => {
      assert.ok(err instanceof RunFailedError);
      assert.equal(err.type, 'ContextWindowExceeded');
      assert.match(err.message, /199000 input tokens/);
      return true;
    });
  });
});
