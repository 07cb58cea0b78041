// Pure unit tests of the fake Claude server's request validation, through the real Anthropic SDK: no Temporal server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { APIError } from '@anthropic-ai/sdk';
import { useFakeClaudeClient } from '../helpers/fake-sdk';

const sdk = useFakeClaudeClient();

type Body = Record<string, unknown>;

const tools = [
  {
    name: 'get_weather',
    description: 'Current weather for a city.',
    input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
];
const toolUse = (id: string) => ({ type: 'tool_use', id, name: 'get_weather', input: { city: 'Paris' } });
const toolResult = (id: string) => ({ type: 'tool_result', tool_use_id: id, content: 'sunny' });

function request(overrides: Body = {}): Body {
  return {
    model: 'claude-fake-1',
    max_tokens: 256,
    messages: [{ role: 'user', content: 'hi' }],
    ...overrides,
  };
}

/** A conversation with one tool round trip, with `last` appended as the final messages. */
function withToolRound(...last: Body[]): Body {
  return request({
    tools,
    messages: [
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, toolUse('toolu_a')] },
      ...last,
    ],
  });
}

async function expectRejected(body: Body, ...fragments: string[]): Promise<void> {
  try {
    await sdk.client.messages.create(body as never);
  } catch (error) {
    assert.ok(error instanceof APIError, String(error));
    assert.equal(error.status, 400, error.message);
    assert.equal(error.type, 'invalid_request_error');
    for (const fragment of fragments) assert.ok(error.apiMessage?.includes(fragment), `${error.apiMessage}`);
    assert.equal(sdk.fake.unexpected.length, 0, 'a rejected request must not count as unscripted');
    return;
  }
  assert.fail('expected a 400 rejection');
}

async function expectAccepted(body: Body): Promise<void> {
  sdk.fake.script([{ content: 'accepted' }]);
  const reply = await sdk.client.messages.create(body as never);
  assert.deepEqual(reply.content, [{ type: 'text', text: 'accepted' }]);
}

function rawPost(headers: Record<string, string>, body: string): Promise<Response> {
  return fetch(`${sdk.fake.url}/v1/messages`, { method: 'POST', headers, body });
}

test('a request without x-api-key or a bearer token is a 401 authentication_error', async () => {
  const response = await rawPost({ 'anthropic-version': '2023-06-01' }, JSON.stringify(request()));
  assert.equal(response.status, 401);
  assert.equal(((await response.json()) as { error: { type: string } }).error.type, 'authentication_error');
});

test('x-api-key is accepted as well as a bearer token', async () => {
  sdk.fake.script([{ content: 'ok' }]);
  const response = await rawPost(
    { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
    JSON.stringify(request()),
  );
  assert.equal(response.status, 200);
});

test('a request without anthropic-version is a 400', async () => {
  const response = await rawPost({ 'x-api-key': 'k' }, JSON.stringify(request()));
  assert.equal(response.status, 400);
  assert.match(
    ((await response.json()) as { error: { message: string } }).error.message,
    /anthropic-version/,
  );
});

test('a body that is not JSON is a 400', async () => {
  const response = await rawPost({ 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }, '{nope');
  assert.equal(response.status, 400);
  assert.equal(sdk.fake.requests[0]?.body, null);
});

test('a rejected request consumes no scripted turn', async () => {
  sdk.fake.script([{ content: 'kept' }]);
  await expectRejected(request({ max_tokens: 0 }), 'max_tokens');
  const reply = await sdk.client.messages.create(request() as never);
  assert.deepEqual(reply.content, [{ type: 'text', text: 'kept' }]);
  assert.equal(sdk.fake.requests[0]?.response.status, 400);
});

test('unknown top-level fields are not permitted', () =>
  expectRejected(request({ temprature: 0.5 }), 'temprature: Extra inputs are not permitted'));

test('real optional fields are accepted', () =>
  expectAccepted(
    request({
      temperature: 0.2,
      top_k: 5,
      stop_sequences: ['END'],
      metadata: { user_id: 'u1' },
      system: [{ type: 'text', text: 'Be brief.' }],
    }),
  ));

test('model must be a non-empty string', async () => {
  await expectRejected(request({ model: '' }), 'model:');
  await expectRejected(request({ model: undefined }), 'model: Field required');
});

test('max_tokens is required and must be a positive integer', async () => {
  await expectRejected(request({ max_tokens: undefined }), 'max_tokens: Field required');
  await expectRejected(request({ max_tokens: 0 }), 'max_tokens: Input should be greater than or equal to 1');
  await expectRejected(request({ max_tokens: 1.5 }), 'max_tokens: Input should be a valid integer');
});

test('messages must be a non-empty list starting with a user message', async () => {
  await expectRejected(request({ messages: [] }), 'messages: at least one message is required');
  await expectRejected(
    request({ messages: [{ role: 'assistant', content: 'hi' }] }),
    'first message must use the "user" role',
  );
  await expectRejected(request({ messages: [{ role: 'bot', content: 'hi' }] }), 'messages.0.role');
});

test('empty text blocks are rejected with their path', () =>
  expectRejected(
    request({
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
        { role: 'user', content: [{ type: 'text', text: '' }] },
      ],
    }),
    'messages.2.content.0: text content blocks must be non-empty',
  ));

test('whitespace-only and empty message content are rejected', async () => {
  await expectRejected(
    request({ messages: [{ role: 'user', content: '   ' }] }),
    'messages.0.content',
    'non-whitespace',
  );
  await expectRejected(
    request({ messages: [{ role: 'user', content: [{ type: 'text', text: ' \n' }] }] }),
    'non-whitespace',
  );
  await expectRejected(
    request({ messages: [{ role: 'user', content: '' }] }),
    'messages.0: all messages must have non-empty content',
  );
});

test('a final assistant prefill must not end with whitespace', async () => {
  const prefill = (content: string) =>
    request({
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content },
      ],
    });
  await expectRejected(
    prefill('The answer is '),
    'messages.1: final assistant content cannot end with trailing whitespace',
  );
  await expectAccepted(prefill('The answer is'));
});

test('a tool_use must be answered by a tool_result in the very next message', async () => {
  await expectRejected(
    withToolRound({ role: 'user', content: 'never mind' }),
    'messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_a',
    'Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
  );
});

test('a conversation cannot end on an unanswered tool_use', () =>
  expectRejected(
    withToolRound(),
    '`tool_use` ids were found without `tool_result` blocks immediately after: toolu_a',
  ));

test('a tool_result must answer a tool_use of the previous message', () =>
  expectRejected(
    withToolRound({ role: 'user', content: [toolResult('toolu_a'), toolResult('toolu_zzz')] }),
    'messages.2.content.1: unexpected `tool_use_id` found in `tool_result` blocks: toolu_zzz',
  ));

test('tool_result blocks must come before other blocks in a user message', () =>
  expectRejected(
    withToolRound({ role: 'user', content: [{ type: 'text', text: 'here:' }, toolResult('toolu_a')] }),
    'messages.2.content.1',
    'must come before any other content',
  ));

test('duplicate tool_result ids are rejected', () =>
  expectRejected(
    withToolRound({ role: 'user', content: [toolResult('toolu_a'), toolResult('toolu_a')] }),
    'multiple `tool_result` blocks with id: toolu_a',
  ));

test('tool_result content is a string or non-empty text blocks, and is_error a boolean', async () => {
  await expectRejected(
    withToolRound({
      role: 'user',
      content: [{ ...toolResult('toolu_a'), content: [{ type: 'text', text: '' }] }],
    }),
    'messages.2.content.0.content.0: text content blocks must be non-empty',
  );
  await expectRejected(
    withToolRound({ role: 'user', content: [{ ...toolResult('toolu_a'), is_error: 'yes' }] }),
    'messages.2.content.0.is_error',
  );
  await expectAccepted(
    withToolRound({
      role: 'user',
      content: [{ ...toolResult('toolu_a'), content: [{ type: 'text', text: 'sunny' }], is_error: false }],
    }),
  );
});

test('tool_use ids must be unique across the conversation', () =>
  expectRejected(
    withToolRound(
      { role: 'user', content: [toolResult('toolu_a')] },
      { role: 'assistant', content: [toolUse('toolu_a')] },
      { role: 'user', content: [toolResult('toolu_a')] },
    ),
    'messages.3.content.0',
    '`tool_use` ids must be unique',
  ));

test('tool_use input must be an object', () =>
  expectRejected(
    request({
      tools,
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: [{ ...toolUse('toolu_a'), input: 'Paris' }] },
        { role: 'user', content: [toolResult('toolu_a')] },
      ],
    }),
    'messages.1.content.0.input: Input should be a valid dictionary',
  ));

test('tool_use and tool_result blocks require tools', () =>
  expectRejected(
    { ...withToolRound({ role: 'user', content: [toolResult('toolu_a')] }), tools: undefined },
    'Requests which include `tool_use` or `tool_result` blocks must define tools.',
  ));

test('a full tool round trip is accepted', () =>
  expectAccepted(withToolRound({ role: 'user', content: [toolResult('toolu_a')] })));

test('tool names must match the allowed pattern and be unique', async () => {
  const tool = tools[0];
  await expectRejected(
    request({ tools: [{ ...tool, name: 'get weather' }] }),
    'tools.0.custom.name',
    'should match pattern',
  );
  await expectRejected(request({ tools: [tool, tool] }), 'Tool names must be unique');
});

test("a tool's input_schema must be an object schema", async () => {
  await expectRejected(
    request({ tools: [{ ...tools[0], input_schema: { type: 'string' } }] }),
    "tools.0.custom.input_schema.type: Input should be 'object'",
  );
  await expectRejected(request({ tools: [{ name: 'x' }] }), 'tools.0.custom.input_schema: Field required');
  await expectRejected(
    request({ tools: [{ ...tools[0], descripton: 'typo' }] }),
    'tools.0.custom.descripton: Extra inputs',
  );
});

test('a strict tool needs additionalProperties: false on every object schema', async () => {
  const schema = (inner: Body) => ({
    type: 'object',
    additionalProperties: false,
    properties: { address: { type: 'object', properties: { street: { type: 'string' } }, ...inner } },
  });
  await expectRejected(
    request({ tools: [{ name: 'save', strict: true, input_schema: schema({}) }] }),
    'tools.0.custom.input_schema.properties.address',
    'additionalProperties',
  );
  await expectAccepted(
    request({
      tools: [{ name: 'save', strict: true, input_schema: schema({ additionalProperties: false }) }],
    }),
  );
});

test('a strict tool may not use constraints strict tool use does not support', async () => {
  const schema = (qty: Body) => ({
    type: 'object',
    additionalProperties: false,
    properties: { qty },
    required: ['qty'],
  });
  await expectRejected(
    request({
      tools: [{ name: 'order', strict: true, input_schema: schema({ type: 'integer', minimum: 1 }) }],
    }),
    'tools.0.custom.input_schema.properties.qty',
    "property 'minimum' is not supported",
  );
  await expectRejected(
    request({
      tools: [{ name: 'order', strict: true, input_schema: schema({ type: 'array', minItems: 2 }) }],
    }),
    "'minItems' values other than 0 or 1",
  );
});

test('without strict, open objects and any constraint are accepted', () =>
  expectAccepted(
    request({
      tools: [
        {
          name: 'tag',
          input_schema: {
            type: 'object',
            properties: { tags: { type: 'object', additionalProperties: { type: 'string' } } },
            minProperties: 1,
          },
        },
      ],
    }),
  ));

test('a request may carry at most 20 strict tools and 24 optional parameters across them', async () => {
  const strictTool = (name: string, properties: Body = {}) => ({
    name,
    strict: true,
    input_schema: { type: 'object', additionalProperties: false, properties },
  });
  const many = Array.from({ length: 21 }, (_, i) => strictTool(`t${i}`));
  await expectRejected(request({ tools: many }), 'Too many strict tools (21)');
  await expectAccepted(request({ tools: many.slice(0, 20) }));
  const optional = Object.fromEntries(Array.from({ length: 13 }, (_, i) => [`o${i}`, { type: 'string' }]));
  await expectRejected(
    request({ tools: [strictTool('a', optional), strictTool('b', optional)] }),
    'Too many optional parameters',
  );
});

test('server tools pass through without an input_schema', () =>
  expectAccepted(
    request({ tools: [...tools, { type: 'web_search_20250305', name: 'web_search', max_uses: 3 }] }),
  ));

test('tool_choice needs tools and must name one of them', async () => {
  await expectRejected(
    request({ tool_choice: { type: 'auto' } }),
    'tool_choice may only be specified while providing tools',
  );
  await expectRejected(
    request({ tools, tool_choice: { type: 'tool', name: 'nope' } }),
    "Tool 'nope' not found",
  );
  await expectRejected(request({ tools, tool_choice: { type: 'sometimes' } }), 'tool_choice', "'sometimes'");
  await expectRejected(
    request({ tools, tool_choice: { type: 'any', disable_parallel_tool_use: 'no' } }),
    'tool_choice.disable_parallel_tool_use',
  );
  await expectAccepted(
    request({ tools, tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true } }),
  );
});

test('system must be a string or non-empty text blocks', async () => {
  await expectRejected(
    request({ system: [{ type: 'text', text: '' }] }),
    'system.0: text content blocks must be non-empty',
  );
  await expectRejected(
    request({ system: [{ type: 'image', text: 'x' }] }),
    "system.0.type: Input should be 'text'",
  );
  await expectRejected(request({ system: 42 }), 'system:');
});

test('a tool_result may carry image blocks, checked like the real API checks them', async () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]).toString('base64');
  const image = (source: Body) => ({ type: 'image', source });
  const withImage = (block: Body) =>
    withToolRound({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_a', content: [{ type: 'text', text: 'a chart' }, block] },
      ],
    });
  sdk.fake.script([{ content: 'A chart.' }]);
  await sdk.client.messages.create(
    withImage(image({ type: 'base64', media_type: 'image/png', data: png })) as never,
  );
  await expectRejected(
    withImage(image({ type: 'base64', media_type: 'image/svg+xml', data: png })),
    "messages.2.content.0.content.1.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'",
  );
  await expectRejected(
    withImage(image({ type: 'base64', media_type: 'image/png' })),
    'messages.2.content.0.content.1.source.base64.data: Field required',
  );
  await expectRejected(
    withImage(image({ type: 'base64', media_type: 'image/jpeg', data: png })),
    'Image does not match the provided media type image/jpeg',
  );
  await expectRejected(withImage({ type: 'image' }), 'messages.2.content.0.content.1.source: Field required');
});

test('cache_control must be ephemeral with a known ttl', async () => {
  await expectRejected(
    request({ system: [{ type: 'text', text: 'x', cache_control: { type: 'persistent' } }] }),
    "system.0.cache_control.type: Input should be 'ephemeral'",
  );
  await expectRejected(
    request({ system: [{ type: 'text', text: 'x', cache_control: { type: 'ephemeral', ttl: '1d' } }] }),
    'system.0.cache_control.ttl',
  );
});

test('at most four cache_control breakpoints are allowed', async () => {
  const cached = (text: string) => ({ type: 'text', text, cache_control: { type: 'ephemeral' } });
  const body = (count: number) =>
    request({
      system: [cached('s1'), cached('s2')],
      tools: [{ ...tools[0], cache_control: { type: 'ephemeral', ttl: '1h' } }],
      messages: [{ role: 'user', content: [cached('u1'), cached('u2')].slice(0, count - 3) }],
    });
  await expectRejected(body(5), 'A maximum of 4 blocks with cache_control may be provided. Found 5.');
  await expectAccepted(body(4));
});

test('extended thinking cannot be combined with a forced tool choice', () =>
  expectRejected(
    request({
      tools,
      tool_choice: { type: 'any' },
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 2048 },
    }),
    'Thinking may not be enabled when tool_choice forces tool use.',
  ));

test('count_tokens validates like messages but has no max_tokens', async () => {
  const { max_tokens: _maxTokens, ...body } = request();
  const counted = await sdk.client.messages.countTokens(body as never);
  assert.ok(counted.input_tokens > 0);
  const error = await sdk.client.messages.countTokens(request() as never).catch((e: unknown) => e);
  assert.ok(error instanceof APIError);
  assert.equal(error.status, 400);
  assert.match(error.apiMessage ?? '', /max_tokens: Extra inputs are not permitted/);
  const empty = await sdk.client.messages
    .countTokens({ ...body, messages: [] } as never)
    .catch((e: unknown) => e);
  assert.ok(empty instanceof APIError && empty.status === 400);
});
