// Integration tests: live event streams of runs on the Redis backend (DURABLE_AGENT_STREAM=redis://…), against a
// real redis-server that the test starts and stops, a real Temporal dev server and the fake Claude.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { streamBackendFromEnv } from '../../src/client';
import { StreamError } from '../../src/streams/backend';
import { openStreamBackend } from '../../src/streams/open';
import { configFromEnv } from '../../src/config';
import { useTestEnv } from '../helpers/env';
import { startRedisServer } from '../helpers/redis-server';
import type { RedisServer } from '../helpers/redis-server';
import {
  firstDeltaEarly,
  lateReaderGetsEverything,
  readAll,
  resumeMissesNothing,
} from '../helpers/stream-checks';
import { testTools } from '../helpers/tools';

let redis: RedisServer | undefined;
const saved = process.env.DURABLE_AGENT_STREAM;
// Registered before the test env's hooks, so the workers it starts already stream to Redis.
before(async () => {
  redis = await startRedisServer();
  process.env.DURABLE_AGENT_STREAM = redis.url;
});
const env = useTestEnv(testTools);
after(async () => {
  if (saved === undefined) delete process.env.DURABLE_AGENT_STREAM;
  else process.env.DURABLE_AGENT_STREAM = saved;
  await redis?.stop();
});

describe('run event streams (Redis Streams)', () => {
  it('a reader sees the first text delta well before the model call ends', async () => {
    const latencies = await firstDeltaEarly(env, 'redis first delta');
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(`redis: median delta→reader latency ${sorted[Math.floor(sorted.length / 2)]} ms`);
  });

  it('a reader that disconnects and resumes from its last offset misses nothing', async () => {
    await resumeMissesNothing(env, 'redis resume');
  });

  it('a reader that starts after the run ended gets every event and run_finished', async () => {
    await lateReaderGetsEverything(env, 'redis late reader');
  });

  it('keeps streams in Redis, not in files, numbered by Redis, and expiring after the retention', async () => {
    env.fake.script([{ content: 'Kept in Redis.' }], { match: 'redis keys' });
    const id = `redis-keys-${Date.now()}`;
    await env.run({ prompt: 'redis keys: answer.' }, id);
    const events = await readAll(env, id);
    assert.equal(existsSync(path.join(configFromEnv().storeDir, 'streams', `${id}.jsonl`)), false);
    const raw = new Redis((redis as RedisServer).url, { protocol: 2 });
    try {
      const key = `durable-agent:stream:{${id}}`;
      assert.equal(await raw.xlen(key), events.length);
      const ttl = await raw.ttl(key);
      assert.ok(ttl > 0 && ttl <= 24 * 7 * 3600, `TTL ${ttl}`);
      assert.equal(Number(await raw.get(`${key}:next`)), events.length);
    } finally {
      raw.disconnect();
    }
  });

  it('numbers appends of several connections without gaps or repeats', async () => {
    const [a, b] = await Promise.all([streamBackendFromEnv(), streamBackendFromEnv()]);
    try {
      const stream = `redis-concurrent-${Date.now()}`;
      await Promise.all(
        [a, b].flatMap((backend, who) =>
          Array.from({ length: 100 }, (_, i) =>
            backend.append(stream, [
              { type: 'text', turn: who, attempt: 1, delta: `${i}a` },
              { type: 'text', turn: who, attempt: 1, delta: `${i}b` },
            ]),
          ),
        ),
      );
      const offsets: number[] = [];
      for await (const event of a.read(stream, 0, { follow: false })) offsets.push(event.offset);
      assert.deepEqual(
        offsets,
        Array.from({ length: 400 }, (_, i) => i + 1),
      );
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('says which URL it could not reach and what to set instead', async () => {
    await assert.rejects(
      openStreamBackend({
        stream: { kind: 'redis', url: 'redis://127.0.0.1:1/0' },
        storeDir: '/tmp',
        codecs: [],
      }),
      (err: unknown) => {
        assert.ok(err instanceof StreamError, String(err));
        assert.equal(err.type, 'StreamUnavailable');
        assert.match(err.message, /cannot reach Redis at redis:\/\/127\.0\.0\.1:1\/0.*DURABLE_AGENT_STREAM/);
        return true;
      },
    );
  });
});
