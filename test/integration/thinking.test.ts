// Integration tests: a real Temporal dev server, a worker in this process, the fake Claude over real HTTP. With
// extended thinking on, the signed thinking blocks of every assistant turn with tool calls go back to the API
// unchanged, the last-iteration rule still works, and settings the API refuses with thinking fail at the start.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RunFailedError } from '../../src/client';
import type { AgentInput, ContentBlock, MessageParam } from '../../src/shared';
import type { RecordedRequest } from '../../src/testing';
import { useTestEnv } from '../helpers/env';
import { servedBy } from '../helpers/fake-requests';
import { weather } from '../helpers/tools';

const env = useTestEnv([weather]);

const THINKING = { type: 'enabled', budgetTokens: 2048 } as const;

const thinkThenCall = (thought: string, city: string) => ({
  content: [
    { type: 'thinking', thinking: thought },
    { type: 'tool_use', name: 'get_weather', input: { city } },
  ],
});

function messagesOf(request: RecordedRequest | undefined): MessageParam[] {
  return (request?.body as { messages: MessageParam[] }).messages;
}

/** The assistant turns of a request that hold tool calls. */
function toolTurns(request: RecordedRequest | undefined): ContentBlock[][] {
  return messagesOf(request)
    .filter((m) => m.role === 'assistant' && Array.isArray(m.content))
    .map((m) => m.content as ContentBlock[])
    .filter((blocks) => blocks.some((b) => b.type === 'tool_use'));
}

describe('extended thinking', () => {
  it('sends the signed thinking blocks of every tool-calling turn back unchanged, three turns long', async () => {
    env.fake.script(
      [
        thinkThenCall('Oslo first; I need its weather.', 'Oslo'),
        thinkThenCall('Oslo is cold. Now Lima.', 'Lima'),
        {
          content: [
            { type: 'thinking', thinking: 'Both known.' },
            { type: 'text', text: 'Oslo cold, Lima mild.' },
          ],
        },
      ],
      { match: 'Compare Oslo and Lima' },
    );
    const result = await env.run({
      prompt: 'Compare Oslo and Lima weather.',
      thinking: THINKING,
      limits: { maxTokens: 4096 },
    });

    assert.equal(result.status, 'completed');
    assert.equal(result.text, 'Oslo cold, Lima mild.');
    const requests = servedBy(env.fake, 'Compare Oslo and Lima');
    assert.equal(requests.length, 3);
    for (const request of requests) {
      assert.equal(request.response.status, 200, request.response.message);
      assert.deepEqual((request.body as Record<string, unknown>)['thinking'], {
        type: 'enabled',
        budget_tokens: 2048,
      });
    }
    const [, second, third] = requests;
    const thoughts = (turns: ContentBlock[][]) =>
      turns.map((blocks) => {
        const [first] = blocks;
        assert.equal(first?.type, 'thinking', 'a tool-calling turn starts with its thinking block');
        assert.equal(typeof first?.['signature'], 'string');
        assert.ok(String(first?.['signature']).length > 20, 'the signature the fake gave is sent back');
        return first;
      });
    const inSecond = thoughts(toolTurns(second));
    const inThird = thoughts(toolTurns(third));
    assert.deepEqual(
      inThird.map((b) => b?.['thinking']),
      ['Oslo first; I need its weather.', 'Oslo is cold. Now Lima.'],
    );
    // The first turn's block is the same, signature and all, in every later request.
    assert.deepEqual(inThird[0], inSecond[0]);
  });

  it('reaches the iteration cap with thinking on: the last call asks for tool_choice none and the API takes it', async () => {
    env.fake.script(
      [
        thinkThenCall('Check Quito.', 'Quito'),
        {
          content: [
            { type: 'thinking', thinking: 'No more tools.' },
            { type: 'text', text: 'Quito is mild.' },
          ],
        },
      ],
      { match: 'Weather in Quito' },
    );
    const result = await env.run({
      prompt: 'Weather in Quito, please.',
      thinking: { type: 'adaptive' },
      limits: { maxIterations: 2 },
    });

    assert.equal(result.status, 'iteration_limit');
    assert.equal(result.text, 'Quito is mild.');
    const [first, last] = servedBy(env.fake, 'Weather in Quito');
    assert.deepEqual((first?.body as Record<string, unknown>)['tool_choice'], { type: 'auto' });
    assert.deepEqual((last?.body as Record<string, unknown>)['tool_choice'], { type: 'none' });
    assert.deepEqual((last?.body as Record<string, unknown>)['thinking'], { type: 'adaptive' });
    assert.equal(last?.response.status, 200, last?.response.message);
    assert.equal(toolTurns(last)[0]?.[0]?.type, 'thinking');
  });

  it('sends the interleaved-thinking beta when asked, with a budget over max_tokens as that beta allows', async () => {
    env.fake.script(
      [
        {
          content: [
            { type: 'thinking', thinking: 'Easy.' },
            { type: 'text', text: 'Hi.' },
          ],
        },
      ],
      {
        match: 'Greet me interleaved',
      },
    );
    const result = await env.run({
      prompt: 'Greet me interleaved.',
      thinking: { type: 'enabled', budgetTokens: 8000, interleaved: true },
      limits: { maxTokens: 4096 },
      betas: ['context-management-2025-06-27'],
    });

    assert.equal(result.status, 'completed');
    const [request] = servedBy(env.fake, 'Greet me interleaved');
    assert.equal(
      request?.headers['anthropic-beta'],
      'context-management-2025-06-27,interleaved-thinking-2025-05-14',
    );
    assert.deepEqual((request?.body as Record<string, unknown>)['thinking'], {
      type: 'enabled',
      budget_tokens: 8000,
    });
  });

  it('continues a reply cut inside its thinking without sending the unsigned block back', async () => {
    env.fake.script(
      [
        { content: [{ type: 'thinking', thinking: 'A long thought that is cut' }], stopReason: 'max_tokens' },
        {
          content: [
            { type: 'thinking', thinking: 'Shorter.' },
            { type: 'text', text: 'Done.' },
          ],
        },
      ],
      { match: 'Think long' },
    );
    const result = await env.run({ prompt: 'Think long.', thinking: THINKING, onMaxTokens: 'continue' });

    assert.equal(result.status, 'completed');
    const [, second] = servedBy(env.fake, 'Think long');
    assert.equal(second?.response.status, 200, second?.response.message);
    const sent = JSON.stringify(messagesOf(second));
    assert.equal(sent.includes('A long thought that is cut'), false, 'the unsigned block is not sent back');
  });

  it('sends no thinking and no beta when the run turns thinking off', async () => {
    env.fake.script([{ content: 'Hello.' }], { match: 'Greet me plainly' });
    await env.run({ prompt: 'Greet me plainly.', thinking: { type: 'disabled' }, temperature: 0.2 });
    const [request] = servedBy(env.fake, 'Greet me plainly');
    assert.deepEqual((request?.body as Record<string, unknown>)['thinking'], { type: 'disabled' });
    assert.equal(request?.headers['anthropic-beta'], undefined);
  });

  const refused: Array<[string, Partial<AgentInput>, RegExp]> = [
    [
      'a forced tool choice',
      { toolChoice: { type: 'any' } },
      /toolChoice: .*"auto" or "none" only, not "any"/,
    ],
    [
      'a forced named tool',
      { toolChoice: { type: 'tool', name: 'get_weather' } },
      /toolChoice: .*not "tool"; remove toolChoice/,
    ],
    [
      'a budget not below maxTokens',
      { limits: { maxTokens: 2048 } },
      /thinking\.budgetTokens: .*less than limits\.maxTokens \(2048\)/,
    ],
    ['a budget below 1024', { thinking: { type: 'enabled', budgetTokens: 512 } }, /at least 1024 tokens/],
    ['a temperature other than 1', { temperature: 0.5 }, /temperature: .*temperature 1 only/],
    ['topK', { topK: 5 }, /topK: .*does not take topK/],
    ['topP below 0.95', { topP: 0.9 }, /topP: .*between 0.95 and 1/],
  ];
  for (const [what, extra, message] of refused) {
    it(`refuses thinking with ${what} at the start, before any model call`, async () => {
      const prompt = `Thinking with ${what}.`;
      await assert.rejects(
        env.run({ prompt, thinking: THINKING, ...extra } as AgentInput),
        (err: unknown) => {
          assert.ok(err instanceof RunFailedError);
          assert.equal(err.type, 'InvalidAgentInput');
          assert.match(err.message, message);
          return true;
        },
      );
      assert.equal(
        env.fake.requests.filter((r) => JSON.stringify(r.body).includes(prompt)).length,
        0,
        'no model call was made',
      );
    });
  }
});
