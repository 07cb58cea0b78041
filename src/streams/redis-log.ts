// The production stream backend: one Redis Stream per run stream. Offsets come from a counter beside the stream,
// taken and used in one Lua script (INCRBY, then XADD with the ID `<offset>-1`), so appends from any number of
// processes and machines are numbered without gaps or repeats, and a reader resumes with XREAD after
// `<from>-1`. Readers block in XREAD on a connection of their own instead of polling.
import type { Redis as RedisClient } from 'ioredis';
import { StreamErrorType } from '../shared/errors';
import { StreamError } from './backend';
import type { ReadOptions, RecordLog } from './backend';

/** Prefix of every key the backend writes. */
const REDIS_KEY_PREFIX = 'durable-agent:stream:';

// KEYS[1] the stream, KEYS[2] its counter; ARGV[1] the retention in seconds, ARGV[2..] the records.
const APPEND_SCRIPT = `
local count = #ARGV - 1
local last = redis.call('INCRBY', KEYS[2], count)
for i = 2, #ARGV do
  redis.call('XADD', KEYS[1], (last - count + i - 1) .. '-1', 'r', ARGV[i])
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[1])
return last
`;

// A blocked XREAD is cut this often to look at the reader's abort signal.
const BLOCK_MS = 1000;
const READ_COUNT = 1000;

type XReadReply = Array<[string, Array<[string, string[]]>]> | null;

/** Streams in Redis (`DURABLE_AGENT_STREAM=redis://host:port[/db]`), kept `retentionSeconds` after the last write. */
export class RedisRecordLog implements RecordLog {
  readonly kind = 'redis';

  private constructor(
    private readonly redis: RedisClient,
    private readonly url: string,
    private readonly retentionSeconds: number,
  ) {}

  /** Connects and checks that Redis answers, so a wrong URL is reported when the process starts. */
  static async connect(url: string, retentionSeconds: number): Promise<RedisRecordLog> {
    const { Redis } = await import('ioredis');
    const redis = new Redis(url, {
      protocol: 2,
      lazyConnect: true,
      // A stream write must not hold a model call up while Redis is away: fail fast and let the writer warn.
      maxRetriesPerRequest: 1,
      connectTimeout: 5_000,
    });
    redis.defineCommand('durableAgentAppend', { numberOfKeys: 2, lua: APPEND_SCRIPT });
    // Without a listener, a lost connection would be an unhandled 'error' event; the failed commands report it.
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      await redis.ping();
    } catch (err) {
      redis.disconnect();
      throw new StreamError(
        StreamErrorType.Unavailable,
        `cannot reach Redis at ${redact(url)} (DURABLE_AGENT_STREAM): ${(err as Error).message}. Start Redis there, fix the URL, or set DURABLE_AGENT_STREAM=store (one machine) or off.`,
      );
    }
    return new RedisRecordLog(redis, url, retentionSeconds);
  }

  async append(name: string, records: readonly string[]): Promise<void> {
    if (records.length === 0) return;
    const keys = keysOf(name);
    try {
      await (
        this.redis as unknown as {
          durableAgentAppend(k1: string, k2: string, ...args: Array<string | number>): Promise<number>;
        }
      ).durableAgentAppend(keys.stream, keys.counter, this.retentionSeconds, ...records);
    } catch (err) {
      throw new StreamError(
        StreamErrorType.Unavailable,
        `cannot append to the event stream in Redis at ${redact(this.url)}: ${(err as Error).message}`,
      );
    }
  }

  async *read(
    name: string,
    from: number,
    options: ReadOptions = {},
  ): AsyncIterable<{ offset: number; record: string }> {
    const { signal, follow = true } = options;
    const { stream } = keysOf(name);
    // A blocking XREAD holds its connection, so each following reader gets one of its own.
    const connection = follow ? this.redis.duplicate() : this.redis;
    connection.on('error', () => undefined);
    const stop = () => connection.disconnect();
    if (follow) signal?.addEventListener('abort', stop, { once: true });
    let last = from;
    try {
      while (!signal?.aborted) {
        const block = follow ? ['BLOCK', BLOCK_MS] : [];
        let reply: XReadReply;
        try {
          reply = (await connection.call('XREAD', [
            'COUNT',
            READ_COUNT,
            ...block,
            'STREAMS',
            stream,
            `${last}-1`,
          ])) as XReadReply;
        } catch (err) {
          if (signal?.aborted) return;
          throw new StreamError(
            StreamErrorType.Unavailable,
            `cannot read the event stream from Redis at ${redact(this.url)}: ${(err as Error).message}`,
          );
        }
        const entries = reply?.[0]?.[1] ?? [];
        for (const [id, fields] of entries) {
          const offset = Number(id.split('-', 1)[0]);
          last = offset;
          yield { offset, record: fields[1] ?? '' };
        }
        if (!follow && entries.length < READ_COUNT) return;
      }
    } finally {
      signal?.removeEventListener('abort', stop);
      if (follow) connection.disconnect();
    }
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

// The hash tag ({...}) keeps a stream and its counter in one slot, as a Lua script on a cluster requires.
function keysOf(name: string) {
  return { stream: `${REDIS_KEY_PREFIX}{${name}}`, counter: `${REDIS_KEY_PREFIX}{${name}}:next` };
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
