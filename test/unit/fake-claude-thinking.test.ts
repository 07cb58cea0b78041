// Pure unit tests of the fake Claude's thinking and server tool rules, through the real Anthropic SDK: no
// Temporal server. What the fake played must come back unchanged, as the real API demands.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { APIError } from '@anthropic-ai/sdk';
import { useFakeClaudeClient } from '../helpers/fake-sdk';

const sdk = useFakeClaudeClient();

type Block = Record<string, unknown>;

const tools = [
  {
    name: 'get_weather',
    description: 'Current weather for a city.',
    input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
];
const thinking = { type: 'enabled', budget_tokens: 1024 };

/** Plays one thinking tool-call turn and returns its content as the SDK received it. */
async function playedTurn(content: Block[]): Promise<Block[]> {
  sdk.fake.script([{ content }]);
  const reply = await sdk.client.messages.create({
    model: 'claude-fake-1',
    max_tokens: 2048,
    thinking,
    tools,
    messages: [{ role: 'user', content: 'weather?' }],
  } as never);
  return reply.content as unknown as Block[];
}

/** Sends `assistant` back with the answer to its tool call; resolves with the HTTP status or the API message. */
async function sendBack(assistant: Block[], extra: Block = {}, headers: Record<string, string> = {}) {
  sdk.fake.script([{ content: 'Sunny.' }]);
  const toolUse = assistant.find((b) => b['type'] === 'tool_use') as Block;
  const body = {
    model: 'claude-fake-1',
    max_tokens: 2048,
    thinking,
    tools,
    messages: [
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: assistant },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse['id'], content: 'sunny' }] },
    ],
    ...extra,
  };
  try {
    await sdk.client.messages.create(body as never, { headers });
    return 'accepted';
  } catch (error) {
    assert.ok(error instanceof APIError, String(error));
    assert.equal(error.status, 400);
    return error.apiMessage ?? '';
  }
}

const turn = [
  { type: 'thinking', thinking: 'Paris, then answer.' },
  { type: 'redacted_thinking', data: 'secret' },
  { type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } },
];

test('signs the thinking it plays and takes it back unchanged', async () => {
  const played = await playedTurn(turn);
  assert.equal(played[0]?.['type'], 'thinking');
  assert.match(String(played[0]?.['signature']), /\S{20,}/);
  assert.equal(await sendBack(played), 'accepted');
});

test('refuses a thinking block whose text or signature was changed', async () => {
  const played = await playedTurn(turn);
  const changed = [{ ...played[0], thinking: 'Something else.' }, ...played.slice(1)];
  assert.match(await sendBack(changed), /messages\.1\.content\.0: Invalid `signature` in `thinking` block/);
  const resigned = [{ ...played[0], signature: 'forged' }, ...played.slice(1)];
  assert.match(await sendBack(resigned), /Invalid `signature`/);
});

test('refuses redacted thinking whose data was changed', async () => {
  const played = await playedTurn(turn);
  const changed = [played[0], { type: 'redacted_thinking', data: 'c2VjcmV0.forged' }, played[2]] as Block[];
  assert.match(await sendBack(changed), /Invalid `data` in `redacted_thinking` block/);
});

test('refuses a tool-calling turn whose thinking was dropped', async () => {
  const played = await playedTurn(turn);
  assert.match(
    await sendBack(played.slice(2)),
    /Expected `thinking` or `redacted_thinking`, but found `tool_use`/,
  );
  assert.match(await sendBack([played[0], played[2]] as Block[]), /changed, dropped or reordered/);
});

test('takes a turn without its thinking once thinking is off, as the real API does', async () => {
  const played = await playedTurn(turn);
  assert.equal(await sendBack(played.slice(2), { thinking: { type: 'disabled' } }), 'accepted');
});

test('refuses sampling settings the API does not take with thinking', async () => {
  const played = await playedTurn(turn);
  assert.match(await sendBack(played, { temperature: 0.5 }), /`temperature` may only be set to 1/);
  assert.match(await sendBack(played, { top_k: 5 }), /`top_k` is not supported/);
  assert.match(await sendBack(played, { top_p: 0.5 }), /`top_p` must be greater than or equal to 0.95/);
  assert.equal(await sendBack(played, { temperature: 1, top_p: 0.96 }), 'accepted');
});

test('refuses a budget not below max_tokens unless interleaved thinking is on', async () => {
  const played = await playedTurn(turn);
  const over = { thinking: { type: 'enabled', budget_tokens: 4096 } };
  assert.match(await sendBack(played, over), /max_tokens must be greater than thinking.budget_tokens/);
  assert.equal(
    await sendBack(played, over, { 'anthropic-beta': 'interleaved-thinking-2025-05-14' }),
    'accepted',
  );
  assert.match(
    await sendBack(played, { thinking: { type: 'enabled', budget_tokens: 1000 } }),
    /greater than or equal to 1024/,
  );
});

const search = { type: 'web_search_20250305', name: 'web_search' };
const searchTurn = [
  { type: 'server_tool_use', id: 'srvtoolu_t1', name: 'web_search', input: { query: 'paris weather' } },
  {
    type: 'web_search_tool_result',
    tool_use_id: 'srvtoolu_t1',
    content: [
      { type: 'web_search_result', url: 'https://example.com', title: 'Paris', encrypted_content: 'e1' },
    ],
  },
];

async function resume(assistant: Block[]): Promise<string> {
  sdk.fake.script([{ content: 'Done.' }]);
  try {
    await sdk.client.messages.create({
      model: 'claude-fake-1',
      max_tokens: 256,
      tools: [search],
      messages: [
        { role: 'user', content: 'search paris' },
        { role: 'assistant', content: assistant },
      ],
    } as never);
    return 'accepted';
  } catch (error) {
    assert.ok(error instanceof APIError, String(error));
    return error.apiMessage ?? '';
  }
}

test('plays a paused web search with its usage and takes its blocks back only unchanged', async () => {
  sdk.fake.script([{ content: searchTurn, stopReason: 'pause_turn' }]);
  const stream = sdk.client.messages.stream({
    model: 'claude-fake-1',
    max_tokens: 256,
    tools: [search],
    messages: [{ role: 'user', content: 'search paris' }],
  } as never);
  const reply = await stream.finalMessage();
  assert.equal(reply.stop_reason, 'pause_turn');
  assert.deepEqual(reply.content, searchTurn);
  assert.equal(reply.usage.server_tool_use?.web_search_requests, 1);
  const played = reply.content as unknown as Block[];
  const cached = [played[0], { ...played[1], cache_control: { type: 'ephemeral' } }] as Block[];
  assert.equal(await resume(cached), 'accepted');
  const changed = [played[0], { ...played[1], content: [] }] as Block[];
  assert.match(
    await resume(changed),
    /messages\.1\.content\.1: This `web_search_tool_result` block does not match/,
  );
  const made = [{ ...played[0], id: 'srvtoolu_made_up' }, played[1]] as Block[];
  assert.match(await resume(made), /`server_tool_use` block does not match/);
});

test('refuses server tool types the API does not know, and a wrong name', async () => {
  const create = (tool: Block) =>
    sdk.client.messages
      .create({
        model: 'claude-fake-1',
        max_tokens: 64,
        tools: [tool],
        messages: [{ role: 'user', content: 'hi' }],
      } as never)
      .then(
        () => 'accepted',
        (error: unknown) => (error instanceof APIError ? (error.apiMessage ?? '') : String(error)),
      );
  assert.match(
    await create({ type: 'web_search_20990101', name: 'web_search' }),
    /Input tag 'web_search_20990101' found using 'type' does not match any of the expected tags/,
  );
  assert.match(
    await create({ type: 'web_fetch_20250910', name: 'fetch' }),
    /tools\.0\.web_fetch_20250910\.name: Input should be 'web_fetch'/,
  );
  sdk.fake.script([{ content: 'ok' }]);
  assert.equal(await create({ type: 'code_execution_20250825', name: 'code_execution' }), 'accepted');
});
