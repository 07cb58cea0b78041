// Integration tests: a real Temporal dev server, a worker in this process, the fake Claude over real HTTP. A run's
// server tools reach the API as declared; a web search that pauses the turn is sent back verbatim so the API
// resumes it; searches are priced and count in the cost budget.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RunFailedError } from '../../src/client';
import { openSession } from '../../src/session-client';
import type { AgentInput, ContentBlock, MessageParam } from '../../src/shared';
import type { RecordedRequest } from '../../src/testing';
import { useTestEnv } from '../helpers/env';
import { servedBy } from '../helpers/fake-requests';
import { weather } from '../helpers/tools';

const env = useTestEnv([weather]);

const WEB_SEARCH = { type: 'web_search_20250305', name: 'web_search', max_uses: 3 };
// Tokens free, searches at the API's list price: the cost is the searches alone.
const SEARCH_ONLY_PRICES = {
  inputPerMTok: 0,
  outputPerMTok: 0,
  cacheWritePerMTok: 0,
  cacheReadPerMTok: 0,
  webSearchPerThousand: 10,
};

const searchBlocks = (id: string, query: string) => [
  { type: 'server_tool_use', id, name: 'web_search', input: { query } },
  {
    type: 'web_search_tool_result',
    tool_use_id: id,
    content: [
      {
        type: 'web_search_result',
        url: 'https://example.com/tides',
        title: 'Tides today',
        encrypted_content: `enc-${id}`,
        page_age: '1 day',
      },
    ],
  },
];

function body(request: RecordedRequest | undefined): Record<string, unknown> {
  return request?.body as Record<string, unknown>;
}

function withoutCache(block: object | undefined): Record<string, unknown> {
  const { cache_control: _c, ...rest } = (block ?? {}) as Record<string, unknown>;
  return rest;
}

describe('server tools', () => {
  it('resumes a web search that paused the turn, sending its blocks back verbatim, and prices the searches', async () => {
    const paused = searchBlocks('srvtoolu_tide1', 'tides in Brest');
    env.fake.script(
      [
        { content: paused, stopReason: 'pause_turn' },
        {
          content: [
            ...searchBlocks('srvtoolu_tide2', 'tides in Brest tomorrow'),
            { type: 'text', text: 'High tide at 6.' },
          ],
        },
      ],
      { match: 'Tides in Brest' },
    );
    const result = await env.run({
      prompt: 'Tides in Brest today?',
      serverTools: [WEB_SEARCH],
      pricing: SEARCH_ONLY_PRICES,
    });

    assert.equal(result.status, 'completed');
    assert.equal(result.text, 'High tide at 6.');
    assert.equal(result.iterations, 2);
    assert.equal(result.usage.webSearchRequests, 2);
    assert.equal(result.costUsd, 0.02);

    const [first, second] = servedBy(env.fake, 'Tides in Brest');
    const tools = body(first)['tools'] as Array<Record<string, unknown>>;
    assert.deepEqual(withoutCache(tools.at(-1)), WEB_SEARCH, 'the server tool is sent as declared');
    assert.deepEqual(body(second)['tools'], tools);
    // The paused turn is the last message of the next request, block for block (a cache breakpoint aside).
    const messages = body(second)['messages'] as MessageParam[];
    const last = messages.at(-1);
    assert.equal(last?.role, 'assistant');
    const blocks = last?.content as ContentBlock[];
    assert.deepEqual(
      blocks.map((b) => withoutCache(b)),
      paused,
    );
    assert.equal(second?.response.status, 200, second?.response.message);
  });

  it('stops with budget_exceeded when the searches spend the cost budget', async () => {
    env.fake.script(
      [{ content: searchBlocks('srvtoolu_cost1', 'price of gold'), stopReason: 'pause_turn' }],
      {
        match: 'Price of gold',
      },
    );
    const result = await env.run({
      prompt: 'Price of gold today?',
      serverTools: [WEB_SEARCH],
      pricing: SEARCH_ONLY_PRICES,
      limits: { maxCostUsd: 0.005 },
    });

    assert.equal(result.status, 'budget_exceeded');
    assert.equal(result.iterations, 1);
    assert.equal(result.costUsd, 0.01);
    assert.match(result.reason ?? '', /maxCostUsd/);
    assert.equal(servedBy(env.fake, 'Price of gold').length, 1);
  });

  it('prices searches at the list price when the run gives token prices only', async () => {
    env.fake.script(
      [{ content: [...searchBlocks('srvtoolu_list1', 'moon phase'), { type: 'text', text: 'Full.' }] }],
      {
        match: 'Moon phase',
      },
    );
    const { webSearchPerThousand: _w, ...tokenPrices } = SEARCH_ONLY_PRICES;
    const result = await env.run({
      prompt: 'Moon phase tonight?',
      serverTools: [WEB_SEARCH],
      pricing: tokenPrices,
    });
    assert.equal(result.usage.webSearchRequests, 1);
    assert.equal(result.costUsd, 0.01);
  });

  it("keeps a session's searches in its totals across sends", async () => {
    env.fake.script(
      [
        { content: [...searchBlocks('srvtoolu_sess1', 'rain in Oslo'), { type: 'text', text: 'Rain.' }] },
        { content: [...searchBlocks('srvtoolu_sess2', 'wind in Oslo'), { type: 'text', text: 'Wind.' }] },
      ],
      { match: 'Weather in Oslo' },
    );
    const session = openSession(
      env.client,
      `server-tools-session-${Date.now()}`,
      {
        serverTools: [WEB_SEARCH],
        pricing: SEARCH_ONLY_PRICES,
      },
      { taskQueue: env.taskQueue },
    );
    const first = await session.send('Weather in Oslo: rain?');
    await session.send('Weather in Oslo: wind?');
    assert.equal(first.usage.webSearchRequests, 1);
    await session.end('done');
    const closed = await session.result();
    assert.equal(closed.usage.webSearchRequests, 2);
    assert.equal(closed.costUsd, 0.02);
  });

  const refused: Array<[string, unknown[], RegExp]> = [
    [
      'an unknown server tool type',
      [{ type: 'web_search_20990101', name: 'web_search' }],
      /serverTools\.0\.type: "web_search_20990101" is not a server tool type .*web_search_20250305/,
    ],
    [
      'a wrong name for its type',
      [{ type: 'web_fetch_20250910', name: 'fetch' }],
      /serverTools\.0\.name: a web_fetch_20250910 tool must be named "web_fetch"/,
    ],
    [
      'a setting the type does not have',
      [{ type: 'code_execution_20250825', name: 'code_execution', max_uses: 2 }],
      /serverTools\.0\.max_uses: code_execution_20250825 has no setting "max_uses"/,
    ],
    [
      'a name one of the run tools has',
      [{ type: 'web_search_20250305', name: 'web_search' }],
      /the server tool "web_search" has the name of one of the run's tools/,
    ],
  ];
  for (const [what, serverTools, message] of refused) {
    it(`refuses ${what} at the start, before any model call`, async () => {
      const prompt = `Server tools with ${what}.`;
      const input = { prompt, serverTools } as AgentInput;
      if (what.includes('run tools')) input.subagents = [{ name: 'web_search', description: 'Searches.' }];
      await assert.rejects(env.run(input), (err: unknown) => {
        assert.ok(err instanceof RunFailedError);
        assert.equal(err.type, 'InvalidAgentInput');
        assert.match(err.message, message);
        return true;
      });
      assert.equal(env.fake.requests.filter((r) => JSON.stringify(r.body).includes(prompt)).length, 0);
    });
  }
});
