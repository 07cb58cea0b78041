// Integration tests: a real Temporal dev server, a worker in this process, the fake Claude over real HTTP.
// Secrets the worker holds never reach a run's history through what a tool throws, returns or reports.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { defineTool } from '../../src/activities/tools/define';
import type { MessageParam, ToolResultBlock } from '../../src/shared';
import { useTestEnv } from '../helpers/env';

// The worker reads these when it starts, in the test env's before() hook.
const SERVICE_TOKEN = 'svc-token-5f1c9a2e7b';
process.env.PAYMENTS_SERVICE_TOKEN = SERVICE_TOKEN;
process.env.DURABLE_AGENT_REDACT_ENV = 'PAYMENTS_SERVICE_TOKEN';
// The test env's Anthropic client is given this key in code, as many deployments do.
const API_KEY = 'test-key';
const BEARER = 'eyJhbGciOiJIUzI1NiJ9.payload.sig';

const leaky = [
  defineTool({
    name: 'leaky_login',
    description: 'Fails, quoting the credentials it was given.',
    input: z.object({}),
    effect: 'read',
    retries: 0,
    run() {
      throw new Error(`login refused for key ${API_KEY} with Authorization: Bearer ${BEARER}`);
    },
  }),
  defineTool({
    name: 'leaky_charge',
    description: 'Fails with a typed error quoting a service token.',
    input: z.object({}),
    effect: 'unsafe',
    run() {
      throw ApplicationFailure.nonRetryable(`token ${SERVICE_TOKEN} expired`, 'ChargeRefused');
    },
  }),
  defineTool({
    name: 'leaky_echo',
    description: 'Returns its configuration, secrets included.',
    input: z.object({}),
    effect: 'read',
    run(_input, ctx) {
      ctx.heartbeat({ using: SERVICE_TOKEN });
      return { token: SERVICE_TOKEN, header: `Bearer ${BEARER}` };
    },
  }),
];

const env = useTestEnv(leaky);

// Payload bytes are JSON without a codec; reading them as text finds any secret inside.
function historyText(history: unknown): string {
  return JSON.stringify(history, (_key, value: unknown) =>
    value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value,
  );
}

describe('secrets in tool errors and results', () => {
  it('are redacted before they leave the worker', async () => {
    const names = ['leaky_login', 'leaky_charge', 'leaky_echo'];
    env.fake.script(
      [
        { content: names.map((name) => ({ type: 'tool_use', id: `toolu_${name}`, name, input: {} })) },
        { content: 'Done.' },
      ],
      { match: 'leaky tools' },
    );
    const handle = await env.start({ prompt: 'Use the leaky tools.' });
    await handle.result();
    const history = historyText(await handle.fetchHistory());
    assert.ok(history.includes('[redacted ANTHROPIC_API_KEY]'), 'the tool error is in history, redacted');
    assert.ok(history.includes('[redacted PAYMENTS_SERVICE_TOKEN]'));
    for (const secret of [API_KEY, SERVICE_TOKEN, BEARER]) {
      assert.equal(history.includes(secret), false, `history holds ${secret}`);
    }

    const served = env.fake.requests.filter((r) => r.match === 'leaky tools');
    const messages = (served[1]?.body as { messages: MessageParam[] }).messages;
    const results = JSON.stringify(messages[messages.length - 1]?.content as ToolResultBlock[]);
    for (const secret of [API_KEY, SERVICE_TOKEN, BEARER]) {
      assert.equal(results.includes(secret), false, `the model was sent ${secret}`);
    }
  });
});
