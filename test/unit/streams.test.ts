// Unit tests: no workers, no servers. The file backend of run event streams (offsets, concurrent writers,
// following, sealing), the retry rule readers follow, the coalescing of model deltas, and the settings.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, utimes, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CompressionCodec } from '../../src/codec/compression';
import { EncryptionCodec } from '../../src/codec/encryption';
import { resolveSettings } from '../../src/settings';
import type { StreamEvent, StreamEventBody } from '../../src/shared';
import { StreamErrorType } from '../../src/shared';
import { DriverStore } from '../../src/store/message-store';
import { pruneStore } from '../../src/store/prune';
import { StreamError } from '../../src/streams/backend';
import type { StreamBackend } from '../../src/streams/backend';
import { TextPrinter } from '../../src/cli/stream-text';
import { StreamText, visibleText } from '../../src/streams/assemble';
import { FileRecordLog } from '../../src/streams/file-log';
import { ModelCallStream } from '../../src/streams/model-deltas';
import { RecordStreamBackend } from '../../src/streams/sealed';
import { openWorkerStreams } from '../../src/streams/worker-streams';
import { StreamWriter } from '../../src/streams/writer';

const tempDir = (prefix: string) => mkdtemp(path.join(os.tmpdir(), prefix));
const text = (turn: number, attempt: number, delta: string): StreamEventBody => ({
  type: 'text',
  turn,
  attempt,
  delta,
});

async function collect(stream: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe('file stream backend', () => {
  it('numbers the events of two concurrent writers 1..N without gaps or repeats, each writer in its order', async () => {
    const dir = await tempDir('streams-');
    // Two backends over one directory stand in for two processes: each append is its own O_APPEND write.
    const [a, b] = [
      new RecordStreamBackend(new FileRecordLog(dir)),
      new RecordStreamBackend(new FileRecordLog(dir)),
    ];
    const writes = (backend: StreamBackend, who: number) =>
      Promise.all(
        Array.from({ length: 150 }, (_, i) =>
          backend.append('run-1', [text(who, 1, `${who}:${i}:a`), text(who, 1, `${who}:${i}:b`)]),
        ),
      );
    await Promise.all([writes(a, 1), writes(b, 2)]);

    const events = await collect(a.read('run-1', 0, { follow: false }));
    assert.equal(events.length, 600);
    assert.deepEqual(
      events.map((e) => e.offset),
      Array.from({ length: 600 }, (_, i) => i + 1),
    );
    for (const who of [1, 2]) {
      const mine = events
        .filter((e) => e.type === 'text' && e.turn === who)
        .map((e) => (e as { delta: string }).delta);
      assert.equal(mine.length, 300);
      // One append's events stay together and in order.
      for (let i = 0; i < mine.length; i += 2) assert.equal(mine[i]?.replace(/a$/, 'b'), mine[i + 1]);
    }
  });

  it('resumes after an offset, follows new events live, and stops when its signal aborts', async () => {
    const backend = new RecordStreamBackend(new FileRecordLog(await tempDir('streams-')));
    await backend.append('run-2', [text(1, 1, 'one'), text(1, 1, 'two')]);
    const stop = new AbortController();
    const seen: StreamEvent[] = [];
    const reading = (async () => {
      for await (const event of backend.read('run-2', 1, { signal: stop.signal })) {
        seen.push(event);
        if (seen.length === 2) stop.abort();
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    await backend.append('run-2', [text(1, 1, 'three')]);
    await reading;
    assert.deepEqual(
      seen.map((e) => [e.offset, (e as { delta: string }).delta]),
      [
        [2, 'two'],
        [3, 'three'],
      ],
    );
  });

  it('reads a stream that does not exist yet as empty, and waits for it when following', async () => {
    const backend = new RecordStreamBackend(new FileRecordLog(await tempDir('streams-')));
    assert.deepEqual(await collect(backend.read('nobody', 0, { follow: false })), []);
    const stop = new AbortController();
    const first = (async () => {
      for await (const event of backend.read('later', 0, { signal: stop.signal })) {
        stop.abort();
        return event;
      }
      return undefined;
    })();
    await new Promise((r) => setTimeout(r, 60));
    await backend.append('later', [text(1, 1, 'hello')]);
    assert.equal((await first)?.offset, 1);
  });

  it('seals events and names streams by a keyed hash when encryption is on', async () => {
    const dir = await tempDir('streams-');
    const codecs = [
      new CompressionCodec(),
      new EncryptionCodec({ current: { id: 'k1', key: randomBytes(32) } }),
    ];
    const backend = new RecordStreamBackend(new FileRecordLog(dir), codecs);
    await backend.append('order-48810', [text(1, 1, 'the secret answer')]);
    const files = await readdir(dir);
    assert.equal(files.length, 1);
    assert.match(files[0] as string, /^hmac-[0-9a-f]{64}\.jsonl$/);
    const raw = await readFile(path.join(dir, files[0] as string), 'utf8');
    assert.doesNotMatch(raw, /secret|order-48810|text/);
    const [event] = await collect(backend.read('order-48810', 0, { follow: false }));
    assert.deepEqual(event, { ...text(1, 1, 'the secret answer'), offset: 1 });
    // Without the key the stream is not even found under the workflow ID.
    const plain = new RecordStreamBackend(new FileRecordLog(dir));
    assert.deepEqual(await collect(plain.read('order-48810', 0, { follow: false })), []);
  });

  it('keeps workflow IDs that are not file names out of the file name', () => {
    const backend = new RecordStreamBackend(new FileRecordLog('/nowhere'));
    assert.equal(backend.nameOf('agent-123_x.y'), 'agent-123_x.y');
    assert.match(backend.nameOf('../etc/passwd'), /^sha256-[0-9a-f]{64}$/);
  });

  it('is pruned with the message store: stream files untouched for N days go, fresh ones stay', async () => {
    const dir = await tempDir('prune-streams-');
    await mkdir(path.join(dir, 'streams'));
    const old = path.join(dir, 'streams', 'old-run.jsonl');
    await writeFile(old, '{}\n');
    await writeFile(path.join(dir, 'streams', 'new-run.jsonl'), '{}\n');
    const longAgo = new Date(Date.now() - 40 * 24 * 3600 * 1000);
    await utimes(old, longAgo, longAgo);
    const report = await pruneStore(dir, 30);
    assert.equal(report.deletedFiles, 1);
    assert.deepEqual(await readdir(path.join(dir, 'streams')), ['new-run.jsonl']);
  });
});

describe('the retry rule', () => {
  it('drops what a retried turn showed, so the assembled text never repeats', () => {
    const events: StreamEventBody[] = [
      text(1, 1, 'Checking.'),
      {
        type: 'turn_finished',
        turn: 1,
        stopReason: 'tool_use',
        usage: {
          input_tokens: 1,
          output_tokens: 1,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
      },
      text(2, 1, 'The answer is'),
      { type: 'retry', turn: 2, attempt: 2 },
      text(2, 2, 'The answer is 42.'),
      // A late delta of the lost attempt is ignored.
      text(2, 1, ' forty-two'),
    ];
    assert.equal(visibleText(events), 'Checking.\n\nThe answer is 42.');
  });

  it('treats a delta of a later attempt as a retry even when the retry event is missing', () => {
    const assembled = new StreamText();
    assembled.push(text(1, 1, 'partial'));
    const changes = assembled.push(text(1, 2, 'whole'));
    assert.deepEqual(
      changes.map((c) => c.kind),
      ['reset', 'delta'],
    );
    assert.equal(assembled.text, 'whole');
  });
});

describe('CLI text printer', () => {
  it('writes text as it comes, a blank line between turns, and a line when a retried call starts over', () => {
    const written: string[] = [];
    const printer = new TextPrinter((chunk) => written.push(chunk));
    printer.push({ type: 'thinking', turn: 1, attempt: 1, delta: 'hmm' });
    assert.equal(printer.printed, false);
    printer.push({ type: 'text', turn: 1, attempt: 1, delta: 'Checking.' });
    printer.push({ type: 'text', turn: 2, attempt: 1, delta: 'The answer' });
    printer.push({ type: 'retry', turn: 2, attempt: 2 });
    printer.push({ type: 'text', turn: 2, attempt: 2, delta: 'It is 42.' });
    assert.equal(printer.printed, true);
    assert.equal(
      written.join(''),
      'Checking.\n\nThe answer\n[turn 2 is retried; its text starts again]\nIt is 42.',
    );
  });
});

describe('model-call deltas', () => {
  /** A backend that records each append. */
  function recording(): StreamBackend & { appends: StreamEventBody[][] } {
    const appends: StreamEventBody[][] = [];
    return {
      kind: 'store',
      appends,
      append: async (_id, bodies) => {
        appends.push([...bodies]);
      },
      read: async function* () {},
      close: async () => undefined,
    };
  }

  it('writes retry first on a later attempt, then coalesces fast deltas into few writes', async () => {
    const backend = recording();
    const stream = new ModelCallStream({
      writer: new StreamWriter(backend),
      streamId: 'run',
      turn: 3,
      attempt: 2,
      warn: () => undefined,
      coalesceMs: 30,
    });
    stream.begin();
    for (let i = 0; i < 100; i += 1)
      stream.push({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: `${i},` } });
    await stream.finish();
    const all = backend.appends.flat();
    assert.deepEqual(all[0], { type: 'retry', turn: 3, attempt: 2 });
    assert.ok(backend.appends.length <= 3, `${backend.appends.length} writes for 100 deltas`);
    assert.equal(visibleText(all), Array.from({ length: 100 }, (_, i) => `${i},`).join(''));
  });

  it('warns once and does not throw when the backend fails', async () => {
    const warnings: string[] = [];
    const failing: StreamBackend = {
      kind: 'redis',
      append: () => Promise.reject(new Error('connection refused')),
      read: async function* () {},
      close: async () => undefined,
    };
    const stream = new ModelCallStream({
      writer: new StreamWriter(failing),
      streamId: 'run',
      turn: 1,
      attempt: 1,
      warn: (m) => warnings.push(m),
      coalesceMs: 1,
    });
    stream.begin();
    stream.push({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'a' } });
    await new Promise((r) => setTimeout(r, 20));
    stream.push({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'b' } });
    await stream.finish();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] as string, /connection refused/);
  });
});

describe('stream settings', () => {
  it('reads store (default), off and Redis URLs, and names the variable for anything else', () => {
    assert.deepEqual(resolveSettings({}).DURABLE_AGENT_STREAM, { kind: 'store' });
    assert.deepEqual(resolveSettings({ DURABLE_AGENT_STREAM: 'off' }).DURABLE_AGENT_STREAM, { kind: 'off' });
    assert.deepEqual(
      resolveSettings({ DURABLE_AGENT_STREAM: 'redis://localhost:6379/2' }).DURABLE_AGENT_STREAM,
      {
        kind: 'redis',
        url: 'redis://localhost:6379/2',
      },
    );
    assert.throws(
      () => resolveSettings({ DURABLE_AGENT_STREAM: 'kafka://x' }),
      /DURABLE_AGENT_STREAM must be "store".*redis:\/\//,
    );
  });

  it('refuses the default backend on a worker whose store is a storage driver, naming the setting', async () => {
    const driver = { name: 'memory', type: 'test', store: async () => [], retrieve: async () => [] };
    await assert.rejects(
      openWorkerStreams(new DriverStore(driver as never), '/tmp', [], {}),
      (err: unknown) => {
        assert.ok(err instanceof StreamError);
        assert.equal(err.type, StreamErrorType.Misconfigured);
        assert.match(err.message, /DURABLE_AGENT_STREAM=redis:\/\//);
        return true;
      },
    );
    const off = await openWorkerStreams(new DriverStore(driver as never), '/tmp', [], {
      DURABLE_AGENT_STREAM: 'off',
    });
    assert.equal(off.kind, 'off');
  });
});
