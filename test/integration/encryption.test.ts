// Integration test: a real Temporal dev server, a worker in this process, the fake Claude over real HTTP; client
// and worker encrypt payloads, and the history the server holds is checked byte by byte for plaintext.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { defineTool } from '../../src/activities/tools/define';
import { RunFailedError } from '../../src/client';
import {
  codecDataConverter,
  codecsFromEnv,
  decodeWithCodecs,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  startCodecServer,
} from '../../src/codec';
import { findTemporalCli } from '../../src/dev-server';
import { startTestEnv } from '../helpers/env';
import type { TestEnv } from '../helpers/env';
import { testTools } from '../helpers/tools';

const KEY_ID = 'it-key-1';
const codecs = codecsFromEnv(
  {
    DURABLE_AGENT_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    DURABLE_AGENT_ENCRYPTION_KEY_ID: KEY_ID,
  },
  { worker: true },
);
let env: TestEnv;

/** A tool whose error message quotes what it was asked for, as real tools' errors often do. */
const leakyLookup = defineTool({
  name: 'leaky_lookup',
  description: 'Looks up an account; fails, quoting the account.',
  input: z.object({ account: z.string() }),
  effect: 'read',
  run: ({ account }) => {
    throw ApplicationFailure.nonRetryable(`no record for account ${account}`, 'NotFound');
  },
});

before(async () => {
  env = await startTestEnv({ dataConverter: codecDataConverter(codecs) });
  await env.startWorker([...testTools, leakyLookup]);
});
after(async () => {
  await env?.close();
});

interface FoundPayload {
  path: string;
  payload: Payload;
}

/** Every payload in a history proto, with the path it was found at. */
function payloadsIn(node: unknown, path = 'history', found: FoundPayload[] = []): FoundPayload[] {
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return found;
  if (Array.isArray(node)) {
    node.forEach((item, i) => payloadsIn(item, `${path}[${i}]`, found));
    return found;
  }
  const record = node as Record<string, unknown>;
  if (record.data instanceof Uint8Array && typeof record.metadata === 'object' && record.metadata !== null) {
    found.push({ path, payload: record as Payload });
    return found;
  }
  for (const [key, value] of Object.entries(record)) payloadsIn(value, `${path}.${key}`, found);
  return found;
}

/** The history as JSON with every bytes field spelled out as UTF-8 (protobuf's own JSON would show base64). */
function historyJsonWithBytesAsText(node: unknown): string {
  const plain = (value: unknown): unknown => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    if (Array.isArray(value)) return value.map(plain);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
    }
    return value;
  };
  return JSON.stringify(plain(node));
}

const text = (bytes: Uint8Array | null | undefined): string => Buffer.from(bytes ?? []).toString('utf8');

interface FoundFailure {
  path: string;
  failure: temporal.api.failure.v1.IFailure;
}

/** Every failure in a history proto (a failure and each of its causes), with the path it was found at. */
function failuresIn(node: unknown, path = 'history', found: FoundFailure[] = []): FoundFailure[] {
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return found;
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (value === null || typeof value !== 'object') continue;
    if ((key === 'failure' || key === 'cause') && 'message' in value) {
      found.push({ path: `${path}.${key}`, failure: value as temporal.api.failure.v1.IFailure });
    }
    failuresIn(value, `${path}.${key}`, found);
  }
  return found;
}

describe('encrypted payloads', () => {
  it('keeps the prompt, the tool input and the tool result out of the history the server holds', async () => {
    const city = `Quixotopolis-${randomUUID().slice(0, 8)}`;
    const prompt = `What is the weather in ${city} today?`;
    const answer = `It is sunny in ${city}, 21 degrees.`;
    env.fake.script(
      [
        { content: [{ type: 'tool_use', id: 'toolu_secret_1', name: 'get_weather', input: { city } }] },
        { content: answer },
      ],
      { match: city },
    );
    const workflowId = `encrypted-${randomUUID()}`;
    const result = await env.run({ prompt }, workflowId);

    // The client with the codec reads the result in the clear, and the worker sent Claude the plaintext.
    assert.equal(result.status, 'completed');
    assert.equal(result.text, answer);
    assert.equal(result.toolCalls[0]?.status, 'succeeded');
    const served = env.fake.requests.filter((r) => r.match === city);
    assert.equal(served.length, 2);
    assert.match(JSON.stringify(served[1]?.body), new RegExp(`sunny in ${city}`));

    // A client without the codec sees what the server stores.
    const raw = new Client({ connection: env.client.connection, namespace: env.server.namespace });
    const history = await raw.workflow.getHandle(workflowId).fetchHistory();
    const secrets = [prompt, city, answer, `sunny in ${city}`, 'What is the weather in'];

    const found = payloadsIn(history);
    const encoded = found.filter(({ path }) => !/searchAttributes|\.header\b/.test(path));
    assert.ok(
      encoded.length >= 6,
      `expected the run's inputs, results and summaries, found ${encoded.length}`,
    );
    for (const { path, payload } of found) {
      for (const secret of secrets) {
        assert.ok(!text(payload.data).includes(secret), `${path} holds "${secret}" in plaintext`);
      }
    }
    for (const { path, payload } of encoded) {
      assert.equal(text(payload.metadata?.encoding), ENCRYPTED_ENCODING, `${path} is not encrypted`);
      assert.equal(text(payload.metadata?.[KEY_ID_METADATA]), KEY_ID, `${path} carries no key ID`);
    }

    const historyBytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    const historyJson = historyJsonWithBytesAsText(history);
    for (const secret of secrets) {
      assert.equal(historyBytes.indexOf(secret), -1, `the serialized history holds "${secret}"`);
      assert.ok(!historyJson.includes(secret), `the history JSON holds "${secret}"`);
    }
    // The searches can see plaintext where there is some: the workflow type and task queue are not secret.
    assert.notEqual(historyBytes.indexOf('agentRun'), -1);
    assert.ok(historyJson.includes(env.taskQueue));

    // With the keys, the very same payloads hold the prompt and the tool result.
    const decoded = await decodeWithCodecs(
      codecs,
      encoded.map(({ payload }) => payload),
    );
    const decodedText = decoded.map((p) => text(p.data)).join('\n');
    assert.ok(decodedText.includes(prompt));
    assert.ok(decodedText.includes(`sunny in ${city}`));

    // And a client without the keys cannot read the result.
    await assert.rejects(raw.workflow.getHandle(workflowId).result(), /binary\/encrypted/);
  });

  it('keeps failure messages and stack traces out of the history the server holds', async () => {
    const account = `ACCT-${randomUUID().slice(0, 8)}`;
    const prompt = `Look up account ${account}.`;
    env.fake.script(
      [
        { content: [{ type: 'tool_use', id: 'toolu_leak_1', name: 'leaky_lookup', input: { account } }] },
        { content: `Account ${account} is`, stopReason: 'max_tokens' },
      ],
      { match: account },
    );
    const workflowId = `encrypted-failure-${randomUUID()}`;

    // The client with the codec reads the failure in the clear.
    await assert.rejects(env.run({ prompt, limits: { maxTokens: 64 } }, workflowId), (err: unknown) => {
      assert.ok(err instanceof RunFailedError);
      assert.equal(err.type, 'MaxTokensReached');
      assert.match(err.message, /max_tokens \(64 tokens\)/);
      return true;
    });

    const raw = new Client({ connection: env.client.connection, namespace: env.server.namespace });
    const history = await raw.workflow.getHandle(workflowId).fetchHistory();
    const failures = failuresIn(history);
    const kinds = failures.map(({ path }) => path.replace(/\[\d+\]/g, '[]'));
    assert.ok(
      kinds.some((p) => p.includes('activityTaskFailedEventAttributes')) &&
        kinds.some((p) => p.includes('workflowExecutionFailedEventAttributes')),
      `expected the tool's and the run's failures, found ${kinds.join(', ')}`,
    );
    for (const { path, failure } of failures) {
      assert.equal(failure.message, 'Encoded failure', `${path} has its message in plaintext`);
      assert.equal(failure.stackTrace ?? '', '', `${path} has its stack trace in plaintext`);
      const encoded = failure.encodedAttributes;
      assert.equal(text(encoded?.metadata?.encoding), ENCRYPTED_ENCODING, `${path} is not encrypted`);
    }
    const historyBytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    for (const secret of [account, 'no record for account', 'max_tokens (64 tokens)']) {
      assert.equal(historyBytes.indexOf(secret), -1, `the serialized history holds "${secret}"`);
    }
  });

  it('refuses a run started without the key, saying why in its history', async () => {
    const prompt = `Plaintext prompt ${randomUUID()}`;
    const raw = new Client({ connection: env.client.connection, namespace: env.server.namespace });
    const workflowId = `plaintext-${randomUUID()}`;
    const handle = await raw.workflow.start('agentRun', {
      taskQueue: env.taskQueue,
      workflowId,
      args: [{ prompt }],
    });
    try {
      // Wait for the first workflow task to fail, or (without the refusal) for the run to schedule its work.
      let failure: temporal.api.failure.v1.IFailure | null | undefined;
      let progressed = false;
      while (!failure && !progressed) {
        const events = (await handle.fetchHistory()).events ?? [];
        failure = events.find((e) => e.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes
          ?.failure;
        progressed = events.some((e) => e.activityTaskScheduledEventAttributes);
      }
      assert.ok(failure, 'the worker accepted a run whose input is not encrypted');
      const shown = JSON.stringify(failure);
      assert.match(shown, /PlaintextPayloadRefused|not encrypted/);
      assert.match(shown, /DURABLE_AGENT_ALLOW_PLAINTEXT/);
      assert.equal(env.fake.requests.filter((r) => JSON.stringify(r.body).includes(prompt)).length, 0);
    } finally {
      await handle.terminate('test over');
    }
  });

  it('shows the decrypted history to the Temporal CLI through the codec server, given the token', async (t) => {
    const cli = await findTemporalCli();
    if (!cli) return t.skip('no temporal binary to run `temporal workflow show` with');
    const prompt = `Say hello to Zanzibar-${randomUUID().slice(0, 8)}`;
    env.fake.script([{ content: 'Hello!' }], { match: prompt });
    const workflowId = `encrypted-cli-${randomUUID()}`;
    await env.run({ prompt }, workflowId);

    const token = randomBytes(24).toString('hex');
    const codecServer = await startCodecServer({ codecs, token, corsOrigins: [], port: 0 });
    try {
      const { stdout } = await promisify(execFile)(
        cli,
        [
          ...['workflow', 'show', '--workflow-id', workflowId, '--output', 'json'],
          ...['--address', env.server.address, '--namespace', env.server.namespace],
          ...['--codec-endpoint', codecServer.url, '--codec-auth', `Bearer ${token}`],
        ],
        { encoding: 'utf8', timeout: 30_000 },
      );
      const shown = JSON.parse(stdout) as {
        events: Array<{
          workflowExecutionStartedEventAttributes?: {
            input: { payloads: Array<{ metadata: Record<string, string>; data: string }> };
          };
        }>;
      };
      const input = shown.events[0]?.workflowExecutionStartedEventAttributes?.input.payloads[0];
      assert.equal(Buffer.from(input?.metadata.encoding ?? '', 'base64').toString(), 'json/plain');
      assert.deepEqual(JSON.parse(Buffer.from(input?.data ?? '', 'base64').toString('utf8')), { prompt });
    } finally {
      await codecServer.close();
    }
  });
});
