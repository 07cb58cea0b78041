// Integration tests: a real Temporal dev server, a worker in this process, the fake Claude over real HTTP.
// A model call that stops making progress is noticed and retried; a long retry-after is capped.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestEnv } from '../helpers/env';
import { testTools } from '../helpers/tools';

const env = useTestEnv(testTools, { settings: { streamIdleTimeoutMs: 1_000, maxRetryAfterMs: 1_000 } });

const served = (match: string) => env.fake.requests.filter((r) => r.match === match);

describe('stalled model calls', () => {
  it('aborts a stream that went silent after message_start and retries it', async () => {
    env.fake.script([{ fault: 'stall' }, { content: 'After the silence.' }], { match: 'silent stream' });
    const result = await env.run({ prompt: 'Answer after a silent stream.' });
    assert.equal(result.text, 'After the silence.');
    const [stalled, retried] = served('silent stream');
    assert.equal(stalled?.aborted, true, 'the worker hung up on the stalled stream');
    assert.ok((retried?.receivedAt ?? 0) - (stalled?.receivedAt ?? 0) >= 1_000);
  });

  it('does not count pings as progress', async () => {
    env.fake.script([{ fault: 'stall', pingEveryMs: 100 }, { content: 'After the pings.' }], {
      match: 'only pings',
    });
    const result = await env.run({ prompt: 'Answer after only pings.' });
    assert.equal(result.text, 'After the pings.');
    assert.equal(served('only pings')[0]?.aborted, true);
  });

  it('keeps a slow stream whose events keep coming', async () => {
    env.fake.script([{ content: 'Slow but steady words arrive.', chunkDelayMs: 300 }], {
      match: 'slow stream',
    });
    const result = await env.run({ prompt: 'Answer with a slow stream.' });
    assert.equal(result.text, 'Slow but steady words arrive.');
    assert.equal(served('slow stream').length, 1);
  });

  it('caps a retry-after of an hour at the setting', async () => {
    env.fake.script([{ fault: 'status', status: 429, retryAfterSeconds: 3600 }, { content: 'Soon.' }], {
      match: 'hour long wait',
    });
    const result = await env.run({ prompt: 'Answer after an hour long wait.' });
    assert.equal(result.text, 'Soon.');
    assert.equal(served('hour long wait').length, 2);
  });
});
