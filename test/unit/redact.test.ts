// Unit tests: no workers, no servers. Which secrets the worker redacts, and how.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRedact, redactDeep, secretsFromEnv } from '../../src/activities/redact';

describe('redaction', () => {
  const env = {
    ANTHROPIC_API_KEY: 'sk-ant-api03-abcdefghijkl',
    DURABLE_AGENT_ENCRYPTION_KEY: 'bmV3LWtleS1iYXNlNjQtMzItYnl0ZXM=',
    DURABLE_AGENT_ENCRYPTION_OLD_KEYS: 'k1:b2xkLWtleS1vbmUtYmFzZTY0,k2:b2xkLWtleS10d28tYmFzZTY0',
    DURABLE_AGENT_CODEC_TOKEN: 'codec-token-123456',
    DURABLE_AGENT_REDACT_ENV: ' DB_PASSWORD , SHORT ',
    DB_PASSWORD: 'hunter2-but-longer',
    SHORT: 'abc',
  };

  it('redacts the keys, the codec token and the variables a deployment names, by name', () => {
    const redact = createRedact(secretsFromEnv(env));
    const text = Object.values(env).join(' | ');
    const out = redact(text);
    for (const name of ['DURABLE_AGENT_ENCRYPTION_KEY', 'DURABLE_AGENT_CODEC_TOKEN', 'DB_PASSWORD']) {
      assert.ok(out.includes(`[redacted ${name}]`), `${name} in ${out}`);
    }
    assert.equal(out.split('[redacted DURABLE_AGENT_ENCRYPTION_OLD_KEYS]').length, 3);
    for (const secret of ['sk-ant-api03', 'hunter2', 'b2xkLWtleS1vbmUt', 'codec-token-123456']) {
      assert.equal(out.includes(secret), false, `${secret} left in ${out}`);
    }
    // Too short to be a secret, and replacing it would mangle ordinary text.
    assert.ok(out.includes('| abc'));
  });

  it('redacts bearer tokens and Anthropic keys it was not told about', () => {
    const redact = createRedact([]);
    assert.equal(redact('Authorization: Bearer abc.def-ghi_jkl'), 'Authorization: Bearer [redacted]');
    assert.equal(redact('key sk-ant-xyz0123456789'), 'key [redacted Anthropic key]');
  });

  it('redacts every string inside heartbeat details', () => {
    const redact = createRedact([{ name: 'TOKEN', value: 'tok-0123456789' }]);
    assert.deepEqual(redactDeep({ a: ['tok-0123456789', 3], b: { c: 'x tok-0123456789' } }, redact), {
      a: ['[redacted TOKEN]', 3],
      b: { c: 'x [redacted TOKEN]' },
    });
  });
});
