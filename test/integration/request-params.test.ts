// Integration tests: a real Temporal dev server, a worker in this process, the fake Claude over real HTTP. A
// run's request settings reach the API in its own form on every model call, and a run that stops on a stop
// sequence says which one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RunFailedError } from '../../src/client';
import type { RecordedRequest } from '../../src/testing';
import { useTestEnv } from '../helpers/env';
import { weather } from '../helpers/tools';

const env = useTestEnv([weather]);

const served = (match: string): RecordedRequest[] => env.fake.requests.filter((r) => r.match === match);

describe('request settings', () => {
  it('sends every setting in API form with each model call of the run', async () => {
    env.fake.script(
      [
        { content: [{ type: 'tool_use', name: 'get_weather', input: { city: 'Oslo' } }] },
        { content: 'Oslo is cold.' },
      ],
      { match: 'Weather in Oslo' },
    );
    const result = await env.run({
      prompt: 'Weather in Oslo?',
      temperature: 0.3,
      topP: 0.8,
      topK: 20,
      stopSequences: ['STOP'],
      metadata: { userId: 'user-5d1c' },
      serviceTier: 'standard_only',
      betas: ['interleaved-thinking-2025-05-14', 'context-management-2025-06-27'],
    });

    assert.equal(result.status, 'completed');
    assert.equal(result.text, 'Oslo is cold.');
    const requests = served('Weather in Oslo');
    assert.equal(requests.length, 2);
    for (const request of requests) {
      const body = request.body as Record<string, unknown>;
      assert.equal(request.response.status, 200);
      assert.deepEqual(
        {
          temperature: body['temperature'],
          top_p: body['top_p'],
          top_k: body['top_k'],
          stop_sequences: body['stop_sequences'],
          metadata: body['metadata'],
          service_tier: body['service_tier'],
        },
        {
          temperature: 0.3,
          top_p: 0.8,
          top_k: 20,
          stop_sequences: ['STOP'],
          metadata: { user_id: 'user-5d1c' },
          service_tier: 'standard_only',
        },
      );
      assert.equal(
        request.headers['anthropic-beta'],
        'interleaved-thinking-2025-05-14,context-management-2025-06-27',
      );
    }
  });

  it('sends none of them when the run gives none', async () => {
    env.fake.script([{ content: 'Hello.' }], { match: 'Say hello' });
    await env.run({ prompt: 'Say hello.' });
    const [request] = served('Say hello');
    const body = request?.body as Record<string, unknown>;
    for (const field of ['temperature', 'top_p', 'top_k', 'stop_sequences', 'metadata', 'service_tier'])
      assert.equal(field in body, false, field);
    assert.equal(request?.headers['anthropic-beta'], undefined);
  });

  it('reports which stop sequence ended the run', async () => {
    env.fake.script([{ content: 'Step 1 done. ', stopSequence: '<<DONE>>' }], { match: 'Do step one' });
    const result = await env.run({ prompt: 'Do step one.', stopSequences: ['<<NEXT>>', '<<DONE>>'] });

    assert.equal(result.status, 'completed');
    assert.equal(result.stopReason, 'stop_sequence');
    assert.equal(result.stopSequence, '<<DONE>>');
    assert.equal(result.text, 'Step 1 done. ');
  });

  it('fails at once with InvalidAgentInput naming each setting out of range', async () => {
    const before = env.fake.requests.length;
    await assert.rejects(
      env.run({ prompt: 'Too hot.', temperature: 1.5, topK: -1, serviceTier: 'priority' as never }),
      (err: unknown) => {
        assert.ok(err instanceof RunFailedError);
        assert.equal(err.type, 'InvalidAgentInput');
        assert.match(err.message, /temperature: /);
        assert.match(err.message, /topK: /);
        assert.match(err.message, /serviceTier: /);
        return true;
      },
    );
    assert.equal(env.fake.requests.length, before, 'no model call was made');
  });
});
