// Integration tests: a real Temporal dev server, a worker in this process, the fake Claude over real HTTP.
// Temporal's retry policy is the only retry layer for model calls: transient faults retry, others fail fast.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RunFailedError } from '../../src/client';
import { useTestEnv } from '../helpers/env';
import { testTools } from '../helpers/tools';

const env = useTestEnv(testTools);

const served = (match: string) => env.fake.requests.filter((r) => r.match === match);

describe('model call faults', () => {
  it('retries 529 overloaded twice with backoff, then succeeds', async () => {
    env.fake.script(
      [{ fault: 'status', status: 529 }, { fault: 'status', status: 529 }, { content: 'Finally.' }],
      { match: 'overloaded twice' },
    );
    const result = await env.run({ prompt: 'Answer even if overloaded twice.' });
    assert.equal(result.status, 'completed');
    assert.equal(result.text, 'Finally.');
    const requests = served('overloaded twice');
    assert.deepEqual(
      requests.map((r) => r.response.status),
      [529, 529, 200],
    );
    // Backoff of 500 ms then 1 s between attempts.
    const gaps = requests.slice(1).map((r, i) => r.receivedAt - (requests[i]?.receivedAt ?? 0));
    assert.ok((gaps[0] ?? 0) >= 450 && (gaps[1] ?? 0) >= 900, `gaps were ${gaps.join(', ')} ms`);
  });

  it('waits as long as retry-after asks on 429, not the shorter default backoff', async () => {
    env.fake.script([{ fault: 'status', status: 429, retryAfterSeconds: 2.5 }, { content: 'Ok.' }], {
      match: 'rate limited',
    });
    const result = await env.run({ prompt: 'Answer while rate limited.' });
    assert.equal(result.status, 'completed');
    const requests = served('rate limited');
    assert.equal(requests.length, 2, 'one retry');
    const [first, second] = requests;
    const gap = (second?.receivedAt ?? 0) - (first?.receivedAt ?? 0);
    // A lower bound only: the retry waited for retry-after (2.5 s), not for the default backoff (500 ms).
    assert.ok(gap >= 2400, `retried after ${gap} ms; retry-after was 2.5 s and the default backoff 500 ms`);
  });

  it('retries a dropped connection and an error inside the stream', async () => {
    env.fake.script(
      [
        { fault: 'drop' },
        { fault: 'stream-error', errorType: 'overloaded_error' },
        { content: 'Recovered.' },
      ],
      { match: 'flaky network' },
    );
    const result = await env.run({ prompt: 'Answer over a flaky network.' });
    assert.equal(result.text, 'Recovered.');
    assert.equal(served('flaky network').length, 3);
  });

  it('fails the run at once on 400 without retrying, with a message a person can act on', async () => {
    env.fake.script([{ fault: 'status', status: 400, message: 'messages.0.content: bad block' }], {
      match: 'bad request',
    });
    await assert.rejects(env.run({ prompt: 'This is a bad request.' }), (err: unknown) => {
      assert.ok(err instanceof RunFailedError);
      assert.equal(err.type, 'ClaudeBadRequest');
      assert.match(err.message, /rejected the request \(400\): messages.0.content: bad block/);
      return true;
    });
    assert.equal(served('bad request').length, 1);
  });

  it('retries 408 and 409 as the API means them', async () => {
    env.fake.script(
      [{ fault: 'status', status: 408 }, { fault: 'status', status: 409 }, { content: 'Through.' }],
      { match: 'timeout and conflict' },
    );
    const result = await env.run({ prompt: 'Answer after a timeout and conflict.' });
    assert.equal(result.text, 'Through.');
    assert.deepEqual(
      served('timeout and conflict').map((r) => r.response.status),
      [408, 409, 200],
    );
  });

  it('obeys x-should-retry: a 400 it marks retryable is retried, a 529 it marks final is not', async () => {
    env.fake.script(
      [{ fault: 'status', status: 400, headers: { 'x-should-retry': 'true' } }, { content: 'Retried.' }],
      { match: 'should retry true' },
    );
    assert.equal((await env.run({ prompt: 'A should retry true call.' })).text, 'Retried.');
    env.fake.script([{ fault: 'status', status: 529, headers: { 'x-should-retry': 'false' } }], {
      match: 'should retry false',
    });
    await assert.rejects(env.run({ prompt: 'A should retry false call.' }), (err: unknown) => {
      assert.ok(err instanceof RunFailedError);
      assert.equal(err.type, 'ClaudeOverloaded');
      return true;
    });
    assert.equal(served('should retry false').length, 1);
  });

  it('fails a 400 with a 5 MiB error body once, as ClaudeBadRequest, quoting its request-id', async () => {
    env.fake.script([{ fault: 'status', status: 400, message: 'y'.repeat(5 * 1024 * 1024) }], {
      match: 'huge error body',
    });
    await assert.rejects(env.run({ prompt: 'This has a huge error body.' }), (err: unknown) => {
      assert.ok(err instanceof RunFailedError);
      assert.equal(err.type, 'ClaudeBadRequest');
      assert.match(err.message, /request-id: \S+/);
      assert.ok(err.message.length < 10_000, `message is ${err.message.length} characters`);
      return true;
    });
    assert.equal(served('huge error body').length, 1);
  });

  it('fails on 401 with advice about the API key, after one attempt', async () => {
    env.fake.script([{ fault: 'status', status: 401 }], { match: 'wrong key' });
    await assert.rejects(env.run({ prompt: 'Call with the wrong key.' }), (err: unknown) => {
      assert.ok(err instanceof RunFailedError);
      assert.equal(err.type, 'ClaudeAuthentication');
      assert.match(err.message, /ANTHROPIC_API_KEY/);
      return true;
    });
    assert.equal(served('wrong key').length, 1);
  });

  it('gives up after five attempts when the API stays down', async () => {
    env.fake.script(
      Array.from({ length: 5 }, () => ({ fault: 'status' as const, status: 500, retryAfterMs: 50 })),
      { match: 'always down' },
    );
    await assert.rejects(env.run({ prompt: 'The API is always down.' }), (err: unknown) => {
      assert.ok(err instanceof RunFailedError);
      assert.equal(err.type, 'ClaudeServerError');
      return true;
    });
    assert.equal(served('always down').length, 5);
  });

  it('never sends the API key into history', async () => {
    env.fake.script([{ content: 'Hi.' }], { match: 'key check' });
    const handle = await env.start({ prompt: 'A key check.' });
    await handle.result();
    const history = JSON.stringify(await handle.fetchHistory());
    assert.equal(history.includes('test-key'), false);
  });
});
