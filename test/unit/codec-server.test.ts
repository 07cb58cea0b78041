// Unit tests of the codec server over real HTTP on loopback: no Temporal server.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import {
  codecsFromEnv,
  decodeWithCodecs,
  ENCRYPTED_ENCODING,
  encodeWithCodecs,
  KEY_ID_METADATA,
  runCodecServerFromEnv,
  startCodecServer,
} from '../../src/codec';
import type { CodecServer } from '../../src/codec';

const TOKEN = randomBytes(24).toString('hex');
const UI = 'http://localhost:8233';
const codecs = codecsFromEnv({
  DURABLE_AGENT_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  DURABLE_AGENT_ENCRYPTION_KEY_ID: 'k1',
});
let server: CodecServer;

before(async () => {
  server = await startCodecServer({ codecs, token: TOKEN, corsOrigins: [UI], port: 0 });
});
after(async () => {
  await server?.close();
});

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const jsonPayload = (value: unknown): { metadata: Record<string, string>; data: string } => {
  const payload = defaultPayloadConverter.toPayload(value);
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(payload.data ?? []).toString('base64'),
  };
};

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', ...headers },
    body: JSON.stringify(body),
  });
}
const auth = { Authorization: `Bearer ${TOKEN}` };

describe('codec server', () => {
  it('answers 401 without the token, or with a wrong one', async () => {
    const body = { payloads: [jsonPayload('secret')] };
    const none = await post('/decode', body);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
    assert.equal(
      (await post('/encode', body, { Authorization: 'Bearer wrong-token-wrong-token' })).status,
      401,
    );
    assert.equal((await post('/encode', body, { Authorization: TOKEN })).status, 401);
  });

  it('encodes and decodes payloads over HTTP, compatible with the in-process codecs', async () => {
    const values = ['What is the weather in Lisbon?', { city: 'Lisbon', celsius: 21 }];
    const encodeResponse = await post('/encode', { payloads: values.map(jsonPayload) }, auth);
    assert.equal(encodeResponse.status, 200);
    const encoded = (await encodeResponse.json()) as {
      payloads: Array<{ metadata: Record<string, string>; data: string }>;
    };
    assert.equal(encoded.payloads.length, 2);
    for (const payload of encoded.payloads) {
      assert.equal(payload.metadata.encoding, b64(ENCRYPTED_ENCODING));
      assert.equal(payload.metadata[KEY_ID_METADATA], b64('k1'));
      assert.doesNotMatch(Buffer.from(payload.data, 'base64').toString('latin1'), /Lisbon/);
    }

    // What a worker wrote decodes over HTTP, and what the server encoded decodes in-process.
    const [fromWorker] = await encodeWithCodecs(codecs, [defaultPayloadConverter.toPayload('from a worker')]);
    const decodeResponse = await post(
      '/api/codec/decode',
      {
        payloads: [
          ...encoded.payloads,
          {
            metadata: {
              encoding: Buffer.from(fromWorker?.metadata?.encoding ?? []).toString('base64'),
              [KEY_ID_METADATA]: b64('k1'),
            },
            data: Buffer.from(fromWorker?.data ?? []).toString('base64'),
          },
        ],
      },
      auth,
    );
    assert.equal(decodeResponse.status, 200);
    const decoded = (await decodeResponse.json()) as {
      payloads: Array<{ metadata: Record<string, string>; data: string }>;
    };
    assert.deepEqual(
      decoded.payloads.map((p) => JSON.parse(Buffer.from(p.data, 'base64').toString('utf8')) as unknown),
      [...values, 'from a worker'],
    );
    assert.equal(decoded.payloads[0]?.metadata.encoding, b64('json/plain'));

    const inProcess = await decodeWithCodecs(
      codecs,
      encoded.payloads.map((p) => ({
        metadata: Object.fromEntries(
          Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
        ),
        data: Buffer.from(p.data, 'base64'),
      })),
    );
    assert.deepEqual(
      inProcess.map((p) => defaultPayloadConverter.fromPayload(p)),
      values,
    );
  });

  it('says why a payload cannot be decoded, with the error type', async () => {
    const other = codecsFromEnv({
      DURABLE_AGENT_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      DURABLE_AGENT_ENCRYPTION_KEY_ID: 'elsewhere',
    });
    const [foreign] = await encodeWithCodecs(other, [defaultPayloadConverter.toPayload('x')]);
    const response = await post(
      '/decode',
      {
        payloads: [
          {
            metadata: Object.fromEntries(
              Object.entries(foreign?.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
            ),
            data: Buffer.from(foreign?.data ?? []).toString('base64'),
          },
        ],
      },
      auth,
    );
    assert.equal(response.status, 422);
    const body = (await response.json()) as { error: string; type: string };
    assert.equal(body.type, 'UnknownEncryptionKey');
    assert.match(body.error, /"elsewhere"/);
    assert.equal((await post('/decode', { nope: true }, auth)).status, 400);
  });

  it('answers CORS preflight for an allowed origin', async () => {
    const response = await fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: {
        Origin: UI,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,x-namespace',
      },
    });
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('access-control-allow-origin'), UI);
    assert.equal(response.headers.get('access-control-allow-credentials'), 'true');
    assert.equal(response.headers.get('access-control-allow-methods'), 'POST, OPTIONS');
    assert.equal(
      response.headers.get('access-control-allow-headers'),
      'Authorization, Content-Type, X-Namespace',
    );
    // The actual request from that origin carries the CORS headers too, so the page can read the answer.
    const actual = await post('/decode', { payloads: [] }, { ...auth, Origin: UI });
    assert.equal(actual.status, 200);
    assert.equal(actual.headers.get('access-control-allow-origin'), UI);
  });

  it('gives no CORS headers to other origins', async () => {
    const preflight = await fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    assert.equal(preflight.status, 403);
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    assert.equal(preflight.headers.get('access-control-allow-credentials'), null);
    const actual = await post('/decode', { payloads: [] }, { ...auth, Origin: 'http://evil.example' });
    assert.equal(actual.headers.get('access-control-allow-origin'), null);
  });

  it('lets a browser that signed in at /login decode with its cookie, from allowed origins only', async () => {
    const wrong = await fetch(`${server.url}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'token=wrong',
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('set-cookie'), null);

    const signIn = await fetch(`${server.url}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: TOKEN }).toString(),
    });
    assert.equal(signIn.status, 200);
    const setCookie = signIn.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.ok(!setCookie.includes(TOKEN), 'the cookie does not hold the token itself');
    const cookie = setCookie.split(';')[0] ?? '';

    const fromUi = await post('/decode', { payloads: [] }, { Cookie: cookie, Origin: UI });
    assert.equal(fromUi.status, 200);
    const fromElsewhere = await post(
      '/decode',
      { payloads: [] },
      { Cookie: cookie, Origin: 'http://localhost:3000' },
    );
    assert.equal(fromElsewhere.status, 401);
  });

  it('refuses to start without a token, saying how to set one', async () => {
    await assert.rejects(
      runCodecServerFromEnv(
        { DURABLE_AGENT_ENCRYPTION_KEY: randomBytes(32).toString('base64') },
        () => undefined,
      ),
      /DURABLE_AGENT_CODEC_TOKEN is not set.*openssl rand -hex 32/s,
    );
    await assert.rejects(
      runCodecServerFromEnv({ DURABLE_AGENT_CODEC_TOKEN: TOKEN }, () => undefined),
      /DURABLE_AGENT_ENCRYPTION_KEY is not set/,
    );
    await assert.rejects(
      startCodecServer({ codecs, token: 'short', corsOrigins: [], port: 0 }),
      /at least 16/,
    );
  });

  it('starts from the environment on the configured port', async () => {
    const lines: string[] = [];
    const fromEnv = await runCodecServerFromEnv(
      {
        DURABLE_AGENT_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        DURABLE_AGENT_CODEC_TOKEN: TOKEN,
        DURABLE_AGENT_CODEC_PORT: '0',
      },
      (line) => lines.push(line),
    );
    try {
      assert.match(fromEnv.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(lines.join('\n'), /CORS origins: http:\/\/localhost:8233, http:\/\/127\.0\.0\.1:8233/);
      assert.equal((await fetch(`${fromEnv.url}/encode`, { method: 'POST', body: '{}' })).status, 401);
    } finally {
      await fromEnv.close();
    }
  });
});
