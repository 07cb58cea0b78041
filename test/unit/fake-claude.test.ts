// Pure unit tests of the fake Claude server through the real Anthropic SDK: no Temporal server, no network.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import Anthropic, { APIConnectionError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import type { FakeClaude } from '../../src/testing';
import { startFakeClaude } from '../../src/testing';

const MODEL = 'claude-fake-1';
let fake: FakeClaude;
let client: Anthropic;

before(async () => {
  fake = await startFakeClaude();
  client = new Anthropic({ apiKey: 'test-key', baseURL: fake.url, maxRetries: 0 });
});
beforeEach(() => fake.reset());
after(() => fake.close());

function ask(prompt: string): Anthropic.MessageCreateParamsNonStreaming {
  return { model: MODEL, max_tokens: 256, messages: [{ role: 'user', content: prompt }] };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected the request to fail');
}

async function until(condition: () => boolean, timeoutMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('url is a bare origin the SDK can use as baseURL', () => {
  assert.match(fake.url, /^http:\/\/127\.0\.0\.1:\d+$/);
});

test('a scripted text reply comes back as a complete Message with usage', async () => {
  fake.script([{ content: 'Hello from the fake.' }]);
  const message = await client.messages.create(ask('Say hello'));
  assert.match(message.id, /^msg_/);
  assert.equal(message.type, 'message');
  assert.equal(message.role, 'assistant');
  assert.equal(message.model, MODEL);
  assert.deepEqual(message.content, [{ type: 'text', text: 'Hello from the fake.' }]);
  assert.equal(message.stop_reason, 'end_turn');
  assert.equal(message.stop_sequence, null);
  assert.ok(message.usage.input_tokens > 0);
  assert.ok(message.usage.output_tokens > 0);
  assert.equal(message.usage.cache_creation_input_tokens, 0);
  assert.equal(message.usage.cache_read_input_tokens, 0);
  fake.assertAllConsumed();
});

test('the request log keeps body and headers with the API key redacted', async () => {
  fake.script([{ content: 'ok' }]);
  await client.messages.create(ask('log me'));
  const [request] = fake.requests;
  assert.ok(request);
  assert.equal(request.seq, 1);
  assert.equal(request.method, 'POST');
  assert.equal(request.path, '/v1/messages');
  // This SDK sends the key as `authorization: Bearer`; older ones use `x-api-key`. Either way it is hidden.
  assert.equal(request.headers['authorization'] ?? request.headers['x-api-key'], '<redacted>');
  assert.ok(!JSON.stringify(request.headers).includes('test-key'));
  assert.ok(request.headers['anthropic-version']);
  assert.deepEqual(request.body, ask('log me'));
  assert.deepEqual(request.response, { status: 200, stream: false });
  assert.equal(request.match, null);
  assert.equal(request.aborted, false);
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(fake.requests)));
});

test('usage overrides replace the estimates field by field', async () => {
  fake.script([{ content: 'cached', usage: { input_tokens: 10, cache_read_input_tokens: 900 } }]);
  const { usage } = await client.messages.create(ask('use the cache'));
  assert.equal(usage.input_tokens, 10);
  assert.equal(usage.cache_read_input_tokens, 900);
  assert.equal(usage.cache_creation_input_tokens, 0);
  assert.ok(usage.output_tokens > 0);
});

test('a streamed text reply arrives in several deltas that add up to exactly the scripted text', async () => {
  const text = 'Streaming works: ünïcødé 🚀 and a long enough sentence to split.';
  fake.script([{ content: text, stopReason: 'max_tokens' }]);
  const stream = await client.messages.create({ ...ask('stream it'), stream: true });
  const types: string[] = [];
  const deltas: string[] = [];
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta')
      deltas.push(event.delta.text);
    if (event.type === 'message_delta') assert.equal(event.delta.stop_reason, 'max_tokens');
  }
  assert.equal(types[0], 'message_start');
  assert.equal(types.at(-1), 'message_stop');
  assert.ok(types.includes('content_block_start') && types.includes('content_block_stop'));
  assert.ok(deltas.length >= 2);
  assert.equal(deltas.join(''), text);
  assert.deepEqual(fake.requests[0]?.response, { status: 200, stream: true });
});

test('messages.stream().finalMessage() rebuilds the text reply with usage', async () => {
  fake.script([{ content: 'Final message text.' }]);
  const message = await client.messages.stream(ask('stream helper')).finalMessage();
  assert.deepEqual(message.content, [{ type: 'text', text: 'Final message text.' }]);
  assert.equal(message.stop_reason, 'end_turn');
  assert.ok(message.usage.input_tokens > 0);
  assert.ok(message.usage.output_tokens > 1);
});

test('the stream is text/event-stream with event: and data: lines like the real API', async () => {
  fake.script([{ content: 'raw' }]);
  const response = await fetch(`${fake.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify({ ...ask('raw stream'), stream: true }),
  });
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.ok(response.headers.get('request-id'));
  const body = await response.text();
  assert.match(body, /^event: message_start\ndata: \{"type":"message_start"/);
  assert.match(body, /event: message_stop\ndata: \{"type":"message_stop"\}\n\n$/);
});

test('a streamed tool_use reply keeps its input intact and gets a generated id', async () => {
  const input = {
    city: 'Zürich',
    days: [1, 2, 3],
    options: { units: 'metric', alerts: true, note: 'a "quoted" \\ line' },
  };
  fake.script([
    {
      content: [
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', name: 'get_weather', input },
      ],
    },
  ]);
  const message = await client.messages.stream(ask('weather?')).finalMessage();
  assert.equal(message.stop_reason, 'tool_use');
  assert.equal(message.content.length, 2);
  const [text, toolUse] = message.content;
  assert.deepEqual(text, { type: 'text', text: 'Checking.' });
  assert.equal(toolUse?.type, 'tool_use');
  if (toolUse?.type !== 'tool_use') return;
  assert.match(toolUse.id, /^toolu_fake_\d+$/);
  assert.equal(toolUse.name, 'get_weather');
  assert.deepEqual(toolUse.input, input);
});

test('generated tool_use ids are unique across replies and a scripted id is kept', async () => {
  const call = { type: 'tool_use', name: 'noop', input: {} } as const;
  fake.script([{ content: [call, call] }, { content: [{ ...call, id: 'toolu_mine' }] }]);
  const first = await client.messages.create(ask('ids'));
  const second = await client.messages.stream(ask('ids')).finalMessage();
  const ids = [...first.content, ...second.content].map((block) =>
    block.type === 'tool_use' ? block.id : '',
  );
  assert.equal(new Set(ids).size, 3);
  assert.equal(ids[2], 'toolu_mine');
  assert.deepEqual(second.content[0], { type: 'tool_use', id: 'toolu_mine', name: 'noop', input: {} });
});

test('scripts with match each serve only the prompts that contain their substring', async () => {
  fake.script([{ content: 'alpha 1', delayMs: 30 }, { content: 'alpha 2' }], { match: 'alpha' });
  fake.script([{ content: 'beta 1' }, { content: 'beta 2' }], { match: 'beta' });
  fake.script([{ content: 'default 1' }]);
  const replies = await Promise.all([
    client.messages.create(ask('task alpha')),
    client.messages.create(ask('task beta')),
    client.messages.create(ask('something else')),
  ]);
  const texts = replies.map((reply) => (reply.content[0]?.type === 'text' ? reply.content[0].text : ''));
  assert.deepEqual(texts, ['alpha 1', 'beta 1', 'default 1']);
  assert.equal((await client.messages.create(ask('beta again'))).content[0]?.type, 'text');
  assert.equal(fake.requests.at(-1)?.match, 'beta');
  const alphaRecord = fake.requests.find((r) => JSON.stringify(r.body).includes('task alpha'));
  assert.equal(alphaRecord?.match, 'alpha');
  assert.throws(() => fake.assertAllConsumed(), /match "alpha": 1 turn\(s\) left/);
});

test('the longest matching script wins when several match', async () => {
  fake.script([{ content: 'general' }], { match: 'weather' });
  fake.script([{ content: 'paris' }], { match: 'weather in Paris' });
  const reply = await client.messages.create(ask('What is the weather in Paris?'));
  assert.deepEqual(reply.content, [{ type: 'text', text: 'paris' }]);
});

test('a 429 fault exposes retry-after headers and rate_limit_error on the SDK error', async () => {
  fake.script([{ fault: 'status', status: 429, retryAfterSeconds: 7, retryAfterMs: 7000 }]);
  const error = await rejectionOf(client.messages.create(ask('too fast')));
  assert.ok(error instanceof Anthropic.RateLimitError);
  assert.equal(error.status, 429);
  assert.equal(error.headers.get('retry-after'), '7');
  assert.equal(error.headers.get('retry-after-ms'), '7000');
  assert.equal(error.type, 'rate_limit_error');
  assert.match(error.requestID ?? '', /^req_/);
  assert.deepEqual(Object.keys(error.error as object).sort(), ['error', 'request_id', 'type']);
});

test('a 529 fault is an overloaded_error with the real error shape', async () => {
  fake.script([{ fault: 'status', status: 529 }]);
  const error = await rejectionOf(client.messages.create(ask('busy')));
  assert.ok(error instanceof APIError);
  assert.equal(error.status, 529);
  assert.equal(error.type, 'overloaded_error');
  assert.equal(error.apiMessage, 'Overloaded');
  assert.deepEqual(fake.requests[0]?.response, {
    status: 529,
    stream: false,
    errorType: 'overloaded_error',
    message: 'Overloaded',
  });
});

test('a status fault can override the error type and message', async () => {
  fake.script([{ fault: 'status', status: 500, errorType: 'api_error', message: 'boom' }]);
  const error = await rejectionOf(client.messages.create(ask('fail')));
  assert.ok(error instanceof Anthropic.InternalServerError);
  assert.equal(error.apiMessage, 'boom');
});

test('a drop fault surfaces as APIConnectionError', async () => {
  fake.script([{ fault: 'drop' }]);
  const error = await rejectionOf(client.messages.create(ask('drop me')));
  assert.ok(error instanceof APIConnectionError, String(error));
  assert.equal(fake.requests[0]?.response.status, 0);
  assert.equal(fake.requests[0]?.aborted, false);
});

test('a stream-error fault makes the SDK stream throw overloaded_error', async () => {
  fake.script([{ fault: 'stream-error', afterEvents: 3 }]);
  const error = await rejectionOf(client.messages.stream(ask('stream then fail')).finalMessage());
  assert.ok(error instanceof APIError, String(error));
  assert.equal(error.type, 'overloaded_error');
  assert.deepEqual(fake.requests[0]?.response, {
    status: 200,
    stream: true,
    errorType: 'overloaded_error',
    message: 'Overloaded',
  });
});

test('a stream-error fault on a non-streaming request becomes the matching HTTP error', async () => {
  fake.script([{ fault: 'stream-error' }]);
  const error = await rejectionOf(client.messages.create(ask('not streaming')));
  assert.ok(error instanceof APIError);
  assert.equal(error.status, 529);
});

test('running out of scripted turns is a loud 400 and assertAllConsumed throws', async () => {
  fake.script([{ content: 'only one' }], { match: 'solo' });
  await client.messages.create(ask('solo run'));
  const error = await rejectionOf(client.messages.create(ask('solo run again')));
  assert.ok(error instanceof APIError);
  assert.equal(error.status, 400);
  assert.match(error.apiMessage ?? '', /^fake-claude: no scripted turn left for request #2 \(match "solo"/);
  assert.equal(fake.unexpected.length, 1);
  assert.equal(fake.unexpected[0]?.seq, 2);
  assert.throws(() => fake.assertAllConsumed(), /request #2 found no turn/);
});

test('a request with no script at all names the default queue', async () => {
  const error = await rejectionOf(client.messages.create(ask('nobody scripted me')));
  assert.ok(error instanceof APIError);
  assert.match(error.apiMessage ?? '', /no scripted turn left for request #1 \(default queue/);
});

test('assertAllConsumed lists leftover turns per script', () => {
  fake.script([{ content: 'a' }, { content: 'b' }]);
  fake.script([{ content: 'c' }], { match: 'x' });
  assert.throws(
    () => fake.assertAllConsumed(),
    (error: Error) => {
      assert.match(error.message, /default queue: 2 turn\(s\) left/);
      assert.match(error.message, /match "x": 1 turn\(s\) left/);
      return true;
    },
  );
  fake.reset();
  assert.doesNotThrow(() => fake.assertAllConsumed());
});

test('a function turn sees the request body and seq and decides the reply', async () => {
  const seen: Array<{ seq: number; messages: number }> = [];
  const echo = ({ body, seq }: { body: { messages: unknown[] }; seq: number }) => {
    seen.push({ seq, messages: body.messages.length });
    return { content: `you sent ${body.messages.length} message(s)` };
  };
  fake.script([echo, echo]);
  const reply = await client.messages.create(ask('count my messages'));
  assert.deepEqual(reply.content, [{ type: 'text', text: 'you sent 1 message(s)' }]);
  await client.messages.create({
    ...ask('again'),
    messages: [
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'two' },
      { role: 'user', content: 'three' },
    ],
  });
  assert.deepEqual(seen, [
    { seq: 1, messages: 1 },
    { seq: 2, messages: 3 },
  ]);
});

test('a function turn that throws answers 500 and fails assertAllConsumed', async () => {
  fake.script([
    () => {
      throw new Error('script bug');
    },
  ]);
  const error = await rejectionOf(client.messages.create(ask('explode')));
  assert.ok(error instanceof APIError);
  assert.equal(error.status, 500);
  assert.match(error.apiMessage ?? '', /script bug/);
  assert.throws(() => fake.assertAllConsumed(), /script bug/);
});

test('script() refuses a malformed turn immediately', () => {
  assert.throws(() => fake.script([{ content: 'x', stopReason: 'done' }]), /stopReason 'done'/);
  assert.throws(() => fake.script([{ fault: 'status', status: 200 }]), /400-599/);
});

test('count_tokens answers input_tokens and consumes no turn', async () => {
  fake.script([{ content: 'still here' }]);
  const counted = await client.messages.countTokens({
    model: MODEL,
    messages: [{ role: 'user', content: 'count me' }],
  });
  assert.ok(counted.input_tokens > 0);
  assert.equal(fake.requests[0]?.path, '/v1/messages/count_tokens');
  const reply = await client.messages.create(ask('now reply'));
  assert.deepEqual(reply.content, [{ type: 'text', text: 'still here' }]);
  fake.assertAllConsumed();
});

test('a client that aborts mid-reply is recorded as aborted and the fake keeps serving', async () => {
  fake.script([{ content: 'too late', delayMs: 2000 }, { content: 'next' }]);
  const controller = new AbortController();
  const pending = client.messages.create(ask('abort me'), { signal: controller.signal });
  await until(() => fake.requests.length === 1 && fake.requests[0]?.body !== null);
  controller.abort();
  assert.ok((await rejectionOf(pending)) instanceof APIUserAbortError);
  await until(() => fake.requests[0]?.aborted === true);
  const next = await client.messages.create(ask('still alive'));
  assert.deepEqual(next.content, [{ type: 'text', text: 'next' }]);
});

test('unknown paths get a 404 not_found_error with a request-id header', async () => {
  const response = await fetch(`${fake.url}/v1/complete`, { method: 'POST', body: '{}' });
  assert.equal(response.status, 404);
  assert.ok(response.headers.get('request-id'));
  const body = (await response.json()) as { type: string; error: { type: string } };
  assert.equal(body.type, 'error');
  assert.equal(body.error.type, 'not_found_error');
});
