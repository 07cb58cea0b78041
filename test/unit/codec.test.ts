// Unit tests: no workers, no servers. Compression, AES-256-GCM encryption, key rotation and key configuration.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Payload } from '@temporalio/common';
import {
  CodecError,
  CodecErrorType,
  COMPRESSED_ENCODING,
  CompressionCodec,
  codecsFromEnv,
  dataConverterFromEnv,
  FAILURE_CONVERTER_PATH,
  decodeWithCodecs,
  deriveKeyId,
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  encodeWithCodecs,
  KEY_ID_METADATA,
} from '../../src/codec';

const newKey = (): string => randomBytes(32).toString('base64');
const toPayload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const fromPayload = (payload: Payload): unknown => defaultPayloadConverter.fromPayload(payload);
const meta = (payload: Payload | undefined, key: string): string | undefined => {
  const value = payload?.metadata?.[key];
  return value ? Buffer.from(value).toString('utf8') : undefined;
};
const text = (payload: Payload | undefined): string =>
  Buffer.from(payload?.data ?? new Uint8Array()).toString('utf8');

function assertCodecError(type: string, pattern?: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof CodecError, `expected a CodecError, got ${String(err)}`);
    assert.equal(err.type, type);
    if (pattern) assert.match(err.message, pattern);
    return true;
  };
}

const transcript = {
  prompt: 'What is the weather in Lisbon?',
  messages: Array.from({ length: 40 }, (_, i) => ({
    role: i % 2 ? 'assistant' : 'user',
    content: `Turn ${i}: the forecast for Lisbon is sunny with a light breeze from the north-west.`,
  })),
};

describe('codec chain from the environment', () => {
  it('round-trips values through compression and encryption', async () => {
    const codecs = codecsFromEnv({ DURABLE_AGENT_ENCRYPTION_KEY: newKey() });
    const values = [transcript, 'ok', 42, null, { nested: [1, 'two', { three: true }] }];
    const encoded = await encodeWithCodecs(codecs, values.map(toPayload));
    for (const payload of encoded) {
      assert.equal(meta(payload, 'encoding'), ENCRYPTED_ENCODING);
      assert.doesNotMatch(text(payload), /Lisbon|Turn 1|three/);
    }
    assert.deepEqual((await decodeWithCodecs(codecs, encoded)).map(fromPayload), values);
  });

  it('compresses before it encrypts, so the ciphertext of a large value is smaller than the value', async () => {
    const codecs = codecsFromEnv({ DURABLE_AGENT_ENCRYPTION_KEY: newKey() });
    assert.deepEqual(
      codecs.map((c) => c.constructor.name),
      ['CompressionCodec', 'EncryptionCodec'],
    );
    const plain = toPayload(transcript);
    const [encrypted] = await encodeWithCodecs(codecs, [plain]);
    assert.ok((encrypted?.data?.length ?? Infinity) < (plain.data?.length ?? 0) / 2);
  });

  it('gives each payload its own IV, so equal values encrypt differently', async () => {
    const codecs = codecsFromEnv({ DURABLE_AGENT_ENCRYPTION_KEY: newKey() });
    const [a, b] = await encodeWithCodecs(codecs, [toPayload('same secret'), toPayload('same secret')]);
    const [ivA, ivB] = [a, b].map((p) => Buffer.from(p?.data ?? []).subarray(0, 12));
    assert.notDeepEqual(ivA, ivB);
    assert.notDeepEqual(Buffer.from(a?.data ?? []), Buffer.from(b?.data ?? []));
  });

  it('derives the key ID from the key unless one is given, and writes it next to each payload', async () => {
    const key = newKey();
    const derived = await encodeWithCodecs(codecsFromEnv({ DURABLE_AGENT_ENCRYPTION_KEY: key }), [
      toPayload(1),
    ]);
    assert.equal(meta(derived[0], KEY_ID_METADATA), deriveKeyId(Buffer.from(key, 'base64')));
    assert.match(meta(derived[0], KEY_ID_METADATA) ?? '', /^[0-9a-f]{8}$/);
    const named = await encodeWithCodecs(
      codecsFromEnv({ DURABLE_AGENT_ENCRYPTION_KEY: key, DURABLE_AGENT_ENCRYPTION_KEY_ID: '2026-q1' }),
      [toPayload(1)],
    );
    assert.equal(meta(named[0], KEY_ID_METADATA), '2026-q1');
  });

  it('is off when no key is set', () => {
    assert.deepEqual(codecsFromEnv({}), []);
    assert.equal(dataConverterFromEnv({}), undefined);
    const converter = dataConverterFromEnv({ DURABLE_AGENT_ENCRYPTION_KEY: newKey() });
    assert.equal(converter?.payloadCodecs.length, 2);
    assert.equal(converter?.failureConverterPath, FAILURE_CONVERTER_PATH);
  });

  it('leaves payloads it did not encode alone when decoding, for clients', async () => {
    const codecs = codecsFromEnv({ DURABLE_AGENT_ENCRYPTION_KEY: newKey() });
    const plain = toPayload({ written: 'before encryption was turned on' });
    assert.deepEqual(await decodeWithCodecs(codecs, [plain]), [plain]);
  });

  it('refuses payloads that are not encrypted on workers, unless DURABLE_AGENT_ALLOW_PLAINTEXT=1', async () => {
    const key = newKey();
    const plain = toPayload({ prompt: 'started without the key' });
    const worker = codecsFromEnv({ DURABLE_AGENT_ENCRYPTION_KEY: key }, { worker: true });
    await assert.rejects(
      decodeWithCodecs(worker, [plain]),
      assertCodecError(CodecErrorType.PlaintextRefused, /DURABLE_AGENT_ALLOW_PLAINTEXT=1/),
    );
    const [sealed] = await encodeWithCodecs(worker, [plain]);
    const [opened] = await decodeWithCodecs(worker, [sealed as Payload]);
    assert.deepEqual(fromPayload(opened as Payload), { prompt: 'started without the key' });

    const migrating = codecsFromEnv(
      { DURABLE_AGENT_ENCRYPTION_KEY: key, DURABLE_AGENT_ALLOW_PLAINTEXT: '1' },
      { worker: true },
    );
    assert.deepEqual(await decodeWithCodecs(migrating, [plain]), [plain]);
    assert.throws(
      () => codecsFromEnv({ DURABLE_AGENT_ENCRYPTION_KEY: key, DURABLE_AGENT_ALLOW_PLAINTEXT: 'yes' }),
      assertCodecError(CodecErrorType.InvalidKeyConfig, /must be 1/),
    );
  });
});

describe('encryption', () => {
  it('rejects a payload whose ciphertext was altered', async () => {
    const codec = new EncryptionCodec({ current: { id: 'k1', key: randomBytes(32) } });
    const [encrypted] = await codec.encode([toPayload('transfer 10 EUR')]);
    const data = Buffer.from(encrypted?.data ?? []);
    data[20] = (data[20] ?? 0) ^ 1;
    await assert.rejects(
      codec.decode([{ ...encrypted, data }]),
      assertCodecError(CodecErrorType.DecryptionFailed, /altered/),
    );
  });

  it('decodes a payload written under a retired key that is listed in OLD_KEYS', async () => {
    const oldKey = newKey();
    const before = codecsFromEnv({
      DURABLE_AGENT_ENCRYPTION_KEY: oldKey,
      DURABLE_AGENT_ENCRYPTION_KEY_ID: 'old',
    });
    const [written] = await encodeWithCodecs(before, [toPayload('written before the rotation')]);

    const after = codecsFromEnv({
      DURABLE_AGENT_ENCRYPTION_KEY: newKey(),
      DURABLE_AGENT_ENCRYPTION_KEY_ID: 'new',
      DURABLE_AGENT_ENCRYPTION_OLD_KEYS: ` other:${newKey()}, old:${oldKey} `,
    });
    assert.deepEqual((await decodeWithCodecs(after, [written as Payload])).map(fromPayload), [
      'written before the rotation',
    ]);
    const [rewritten] = await encodeWithCodecs(after, [toPayload('written after')]);
    assert.equal(meta(rewritten, KEY_ID_METADATA), 'new');
  });

  it('says which key ID is missing and which variable to set when a retired key is not listed', async () => {
    const before = codecsFromEnv({
      DURABLE_AGENT_ENCRYPTION_KEY: newKey(),
      DURABLE_AGENT_ENCRYPTION_KEY_ID: 'old',
    });
    const [written] = await encodeWithCodecs(before, [toPayload('written before the rotation')]);
    const after = codecsFromEnv({
      DURABLE_AGENT_ENCRYPTION_KEY: newKey(),
      DURABLE_AGENT_ENCRYPTION_KEY_ID: 'new',
    });
    await assert.rejects(
      decodeWithCodecs(after, [written as Payload]),
      assertCodecError(CodecErrorType.UnknownKey, /"old".*DURABLE_AGENT_ENCRYPTION_OLD_KEYS/s),
    );
  });

  it('fails authentication, not silently, when a key ID is reused for a different key', async () => {
    const [written] = await encodeWithCodecs(
      codecsFromEnv({ DURABLE_AGENT_ENCRYPTION_KEY: newKey(), DURABLE_AGENT_ENCRYPTION_KEY_ID: 'k' }),
      [toPayload('x')],
    );
    const impostor = codecsFromEnv({
      DURABLE_AGENT_ENCRYPTION_KEY: newKey(),
      DURABLE_AGENT_ENCRYPTION_KEY_ID: 'k',
    });
    await assert.rejects(
      decodeWithCodecs(impostor, [written as Payload]),
      assertCodecError(CodecErrorType.DecryptionFailed, /"k"/),
    );
  });
});

describe('key configuration', () => {
  it('rejects a key that is not 32 bytes, naming the variable and how to make one', () => {
    assert.throws(
      () => codecsFromEnv({ DURABLE_AGENT_ENCRYPTION_KEY: randomBytes(16).toString('base64') }),
      assertCodecError(
        CodecErrorType.InvalidKeyConfig,
        /DURABLE_AGENT_ENCRYPTION_KEY.*16 bytes.*openssl rand -base64 32/s,
      ),
    );
    assert.throws(
      () => codecsFromEnv({ DURABLE_AGENT_ENCRYPTION_KEY: 'not base64!' }),
      assertCodecError(CodecErrorType.InvalidKeyConfig, /not valid base64/),
    );
    assert.throws(
      () => new EncryptionCodec({ current: { id: 'short', key: randomBytes(31) } }),
      assertCodecError(CodecErrorType.InvalidKeyConfig, /"short" is 31 bytes/),
    );
  });

  it('rejects malformed OLD_KEYS entries, naming the entry', () => {
    assert.throws(
      () =>
        codecsFromEnv({
          DURABLE_AGENT_ENCRYPTION_KEY: newKey(),
          DURABLE_AGENT_ENCRYPTION_OLD_KEYS: `a:${newKey()},${newKey()}`,
        }),
      assertCodecError(CodecErrorType.InvalidKeyConfig, /Entry 2 of DURABLE_AGENT_ENCRYPTION_OLD_KEYS/),
    );
    assert.throws(
      () =>
        codecsFromEnv({
          DURABLE_AGENT_ENCRYPTION_KEY: newKey(),
          DURABLE_AGENT_ENCRYPTION_OLD_KEYS: `a:${randomBytes(24).toString('base64')}`,
        }),
      assertCodecError(CodecErrorType.InvalidKeyConfig, /Entry 1 .*\("a"\).*24 bytes/),
    );
  });

  it('rejects two keys with one ID', () => {
    assert.throws(
      () =>
        codecsFromEnv({
          DURABLE_AGENT_ENCRYPTION_KEY: newKey(),
          DURABLE_AGENT_ENCRYPTION_KEY_ID: 'k1',
          DURABLE_AGENT_ENCRYPTION_OLD_KEYS: `k1:${newKey()}`,
        }),
      assertCodecError(CodecErrorType.InvalidKeyConfig, /"k1"/),
    );
  });

  it('refuses old keys without a current key instead of silently not encrypting', () => {
    assert.throws(
      () => codecsFromEnv({ DURABLE_AGENT_ENCRYPTION_OLD_KEYS: `a:${newKey()}` }),
      assertCodecError(
        CodecErrorType.InvalidKeyConfig,
        /OLD_KEYS is set but DURABLE_AGENT_ENCRYPTION_KEY is not/,
      ),
    );
  });
});

describe('compression', () => {
  it('leaves tiny payloads uncompressed', async () => {
    const codec = new CompressionCodec();
    const tiny = toPayload('ok');
    assert.deepEqual(await codec.encode([tiny]), [tiny]);
  });

  it('compresses a large JSON payload and restores it exactly', async () => {
    const codec = new CompressionCodec();
    const plain = toPayload(transcript);
    const [compressed] = await codec.encode([plain]);
    assert.equal(meta(compressed, 'encoding'), COMPRESSED_ENCODING);
    assert.ok((compressed?.data?.length ?? Infinity) < (plain.data?.length ?? 0) / 4);
    const [restored] = await codec.decode([compressed as Payload]);
    assert.equal(meta(restored, 'encoding'), 'json/plain');
    assert.deepEqual(fromPayload(restored as Payload), transcript);
  });

  it('leaves a payload that would not shrink as it is', async () => {
    const codec = new CompressionCodec();
    const noise = toPayload(randomBytes(4096));
    assert.deepEqual(await codec.encode([noise]), [noise]);
  });

  it('reports a corrupt compressed payload as malformed', async () => {
    const codec = new CompressionCodec();
    const bogus = { metadata: { encoding: Buffer.from(COMPRESSED_ENCODING) }, data: Buffer.from('not zlib') };
    await assert.rejects(codec.decode([bogus]), assertCodecError(CodecErrorType.MalformedPayload));
  });
});
