// Unit tests: no workers, no Temporal server. The run's request settings: validated in the run input, put in
// API form for the request, and refused by the fake Claude (over real HTTP) where the real API refuses them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APIError } from '@anthropic-ai/sdk';
import { betaHeaders, toApiParams } from '../../src/activities/api-params';
import { parseAgentInput, pickRequestParams } from '../../src/shared';
import { useFakeClaudeClient } from '../helpers/fake-sdk';

const GOOD = {
  temperature: 0.2,
  topP: 0.9,
  topK: 40,
  stopSequences: ['\n\nHuman:', 'END'],
  metadata: { userId: 'user-7f3a' },
  serviceTier: 'standard_only',
  betas: ['interleaved-thinking-2025-05-14'],
} as const;

describe('request settings in the run input', () => {
  it('accepts every setting within its range and pins only those given', () => {
    const parsed = parseAgentInput({ prompt: 'Hi', ...GOOD });
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.problems.join('\n'));
    assert.deepEqual(pickRequestParams(parsed.value), GOOD);
    const bare = parseAgentInput({ prompt: 'Hi' });
    assert.ok(bare.ok);
    assert.equal(pickRequestParams(bare.value), undefined);
  });

  it('accepts the ends of each range', () => {
    for (const edge of [{ temperature: 0 }, { temperature: 1 }, { topP: 0 }, { topP: 1 }, { topK: 0 }]) {
      assert.ok(parseAgentInput({ prompt: 'Hi', ...edge }).ok, JSON.stringify(edge));
    }
  });

  const refused: Array<[string, Record<string, unknown>]> = [
    ['temperature', { temperature: 1.5 }],
    ['temperature', { temperature: -0.1 }],
    ['temperature', { temperature: '0.5' }],
    ['topP', { topP: 1.01 }],
    ['topP', { topP: -1 }],
    ['topK', { topK: -1 }],
    ['topK', { topK: 2.5 }],
    ['stopSequences', { stopSequences: 'END' }],
    ['stopSequences.0', { stopSequences: [''] }],
    ['stopSequences.1', { stopSequences: ['END', ' \n '] }],
    ['stopSequences.0', { stopSequences: ['x'.repeat(257)] }],
    ['stopSequences', { stopSequences: Array.from({ length: 33 }, (_, i) => `stop${i}`) }],
    ['metadata.userId', { metadata: { userId: '' } }],
    ['metadata.userId', { metadata: { userId: 'u'.repeat(257) } }],
    ['metadata.userId', { metadata: { userId: 42 } }],
    ['metadata', { metadata: { userId: 'u1', email: 'a@b.c' } }],
    ['metadata', { metadata: { user_id: 'u1' } }],
    ['serviceTier', { serviceTier: 'priority' }],
    ['betas', { betas: 'interleaved-thinking-2025-05-14' }],
    ['betas.0', { betas: [''] }],
    ['betas.0', { betas: ['a-2025-01-01,b-2025-01-01'] }],
    ['betas', { betas: Array.from({ length: 33 }, (_, i) => `beta-${i}`) }],
  ];
  for (const [field, bad] of refused) {
    it(`refuses ${JSON.stringify(bad).slice(0, 70)}, naming ${field}`, () => {
      const parsed = parseAgentInput({ prompt: 'Hi', ...bad });
      assert.equal(parsed.ok, false);
      const problems = parsed.ok ? [] : parsed.problems;
      assert.ok(
        problems.some((p) => p.startsWith(`${field}: `)),
        `expected a problem at ${field}, got:\n${problems.join('\n')}`,
      );
    });
  }
});

describe('request settings in API form', () => {
  it('puts each setting in the body in snake_case and the betas in the anthropic-beta header', () => {
    assert.deepEqual(
      toApiParams({ ...GOOD, stopSequences: [...GOOD.stopSequences], betas: ['a-2025-01-01'] }),
      {
        temperature: 0.2,
        top_p: 0.9,
        top_k: 40,
        stop_sequences: ['\n\nHuman:', 'END'],
        metadata: { user_id: 'user-7f3a' },
        service_tier: 'standard_only',
      },
    );
    assert.deepEqual(betaHeaders({ betas: ['a-2025-01-01', 'b-2025-02-02'] }), {
      'anthropic-beta': 'a-2025-01-01,b-2025-02-02',
    });
  });

  it('leaves out what the run did not give, zero values kept', () => {
    assert.deepEqual(toApiParams(undefined), {});
    assert.deepEqual(toApiParams({ temperature: 0, topK: 0 }), { temperature: 0, top_k: 0 });
    assert.deepEqual(betaHeaders(undefined), {});
    assert.deepEqual(betaHeaders({ betas: [] }), {});
  });
});

describe('the fake Claude and request settings', () => {
  const sdk = useFakeClaudeClient();

  const body = (extra: Record<string, unknown>) => ({
    model: 'claude-fake-1',
    max_tokens: 64,
    messages: [{ role: 'user', content: 'hi' }],
    ...extra,
  });

  async function rejected(extra: Record<string, unknown>, headers: Record<string, string> = {}) {
    try {
      await sdk.client.messages.create(body(extra) as never, { headers });
    } catch (error) {
      assert.ok(error instanceof APIError, String(error));
      assert.equal(error.status, 400, error.message);
      assert.equal(error.type, 'invalid_request_error');
      return error.apiMessage ?? '';
    }
    assert.fail(`the fake accepted ${JSON.stringify(extra)} ${JSON.stringify(headers)}`);
  }

  it('refuses values outside the API ranges with the API-like message', async () => {
    assert.match(await rejected({ temperature: 1.5 }), /^temperature: .*less than or equal to 1/);
    assert.match(await rejected({ top_p: -0.5 }), /^top_p: .*greater than or equal to 0/);
    assert.match(await rejected({ top_k: -1 }), /^top_k: .*non-negative integer/);
    assert.match(await rejected({ stop_sequences: ['END', '  '] }), /^stop_sequences: .*non-whitespace/);
    assert.match(await rejected({ metadata: { user_id: 'u'.repeat(257) } }), /^metadata\.user_id: .*256/);
    assert.match(await rejected({ service_tier: 'priority' }), /^service_tier: .*'auto' or 'standard_only'/);
    assert.match(
      await rejected({}, { 'anthropic-beta': 'interleaved-thinking-2025-05-14,not a beta' }),
      /Unexpected value\(s\) `not a beta` for the `anthropic-beta` header/,
    );
    assert.equal(sdk.fake.unexpected.length, 0);
  });

  it('accepts every setting in range and records it in its request log', async () => {
    sdk.fake.script([{ content: 'ok' }]);
    await sdk.client.messages.create(
      body({
        temperature: 0,
        top_p: 1,
        top_k: 5,
        stop_sequences: ['END'],
        metadata: { user_id: 'u1' },
        service_tier: 'auto',
      }) as never,
      { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14' } },
    );
    const [request] = sdk.fake.requests;
    assert.equal(request?.response.status, 200);
    assert.equal(request?.headers['anthropic-beta'], 'interleaved-thinking-2025-05-14');
    assert.deepEqual((request?.body as Record<string, unknown>)['metadata'], { user_id: 'u1' });
    sdk.fake.assertAllConsumed();
  });

  it('plays a stop_sequence reply with the sequence, and only one the request asked for', async () => {
    sdk.fake.script([{ content: 'one, two', stopSequence: 'three' }]);
    const message = await sdk.client.messages.create(body({ stop_sequences: ['three'] }) as never);
    assert.equal(message.stop_reason, 'stop_sequence');
    assert.equal(message.stop_sequence, 'three');

    sdk.fake.script([{ content: 'one, two', stopSequence: 'three' }]);
    await assert.rejects(sdk.client.messages.create(body({ stop_sequences: ['four'] }) as never), APIError);
    assert.throws(() => sdk.fake.assertAllConsumed(), /not one of the request's stop_sequences/);
  });
});
