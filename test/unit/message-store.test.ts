// Unit tests: no workers, no servers. The message store and stored transcripts, on a temporary directory.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as nodeFs from 'node:fs/promises';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Payload, StorageDriver, StorageDriverClaim } from '@temporalio/common';
import {
  contentRef,
  DriverStore,
  LocalDiskStore,
  MessageStoreUnavailableError,
  MissingContentError,
  parseName,
} from '../../src/store/message-store';
import type { StoreFs } from '../../src/store/message-store';
import { SealedStore } from '../../src/store/sealed-store';
import { codecsFromEnv, deriveKeyId } from '../../src/codec';
import { defaultMessageStore, sealedStore } from '../../src/store/open';
import {
  INLINE_FALLBACK_BYTES,
  OUT_OF_LINE_BYTES,
  TOOL_RESULT_INLINE_BYTES,
  Transcripts,
} from '../../src/store/transcript';
import { fitLedger, jsonBytes } from '../../src/workflows/payload-guard';

const tempStore = async () => new LocalDiskStore(await mkdtemp(path.join(os.tmpdir(), 'store-')));

/** A storage driver that keeps payloads in memory, standing in for Temporal's S3 driver. */
function memoryDriver(): StorageDriver & { objects: Map<string, Payload> } {
  const objects = new Map<string, Payload>();
  return {
    name: 'memory',
    type: 'test.memory',
    objects,
    async store(_ctx, payloads) {
      return payloads.map((p) => {
        const key = `k${objects.size}`;
        objects.set(key, p);
        return { claimData: { key } } as StorageDriverClaim;
      });
    },
    async retrieve(_ctx, claims) {
      return claims.map((c) => objects.get(c.claimData.key as string) as Payload);
    },
  };
}

describe('message store', () => {
  it('stores content once under its hash', async () => {
    const store = await tempStore();
    const a = await store.put(Buffer.from('hello'));
    const b = await store.put(Buffer.from('hello'));
    assert.equal(a, b);
    assert.match(a, /^s:[A-Za-z0-9_-]{43}$/);
    assert.equal((await store.get(a)).toString(), 'hello');
  });

  it('reads a reference written in the older long spelling from the same file', async () => {
    const store = await tempStore();
    const short = await store.put(Buffer.from('hello'));
    const hex = parseName(short)?.hex;
    assert.equal(hex, createHash('sha256').update('hello').digest('hex'));
    assert.equal((await store.get(`sha256:${hex}`)).toString(), 'hello');
    await assert.rejects(store.get('s:not-a-digest'), /not a content reference/);
  });

  it('writes again after a subdirectory it wrote to was removed', async () => {
    const store = await tempStore();
    const ref = await store.put(Buffer.from('first'));
    const hex = parseName(ref)?.hex ?? '';
    await nodeFs.rm(path.join(store.dir, hex.slice(0, 2)), { recursive: true });
    // The store does not make the subdirectory before each write: the write finds it gone and makes it again.
    assert.equal(await store.put(Buffer.from('first')), ref);
    assert.equal((await store.get(ref)).toString(), 'first');
  });

  it('says what to fix when content is missing', async () => {
    const store = await tempStore();
    await assert.rejects(
      store.get(`sha256:${'0'.repeat(64)}`),
      (err: unknown) => err instanceof MissingContentError && /shared volume/.test(err.message),
    );
  });

  it('works on a Temporal storage driver and checks the content hash', async () => {
    const driver = memoryDriver();
    const store = new DriverStore(driver);
    const ref = await store.put(Buffer.from('over the wire'));
    assert.equal((await store.get(ref)).toString(), 'over the wire');
    const [key] = driver.objects.keys();
    driver.objects.set(key as string, { metadata: {}, data: Buffer.from('tampered') });
    await assert.rejects(store.get(ref), /does not match its hash/);
  });
});

/** A full disk: every write writes half of its bytes, then fails with ENOSPC. */
const fullDisk: StoreFs = {
  ...nodeFs,
  async writeFile(file, data) {
    await nodeFs.writeFile(file, String(data).slice(0, 10));
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  },
};

describe('a failing message store', () => {
  it('says which store failed and what to do, and leaves no temporary file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'full-'));
    const store = new LocalDiskStore(dir, fullDisk);
    await assert.rejects(store.put(Buffer.from('a tool result')), (err: unknown) => {
      assert.ok(err instanceof MessageStoreUnavailableError);
      assert.equal(err.name, 'MessageStoreUnavailable');
      assert.ok(err.message.includes(dir));
      assert.match(err.message, /DURABLE_AGENT_STORE_DIR/);
      assert.match(err.message, /ENOSPC/);
      return true;
    });
    const files = (await readdir(dir, { recursive: true })).map(String);
    assert.deepEqual(
      files.filter((f) => f.includes('.')),
      [],
    );
  });

  it('refuses a store directory that cannot be written', async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'store-file-')), 'store');
    await nodeFs.writeFile(file, 'not a directory');
    await assert.rejects(new LocalDiskStore(file).probe(), /DURABLE_AGENT_STORE_DIR/);
    await new LocalDiskStore(path.join(file, '..', 'fine')).probe();
  });

  it("keeps a finished tool's result inline when the store fails, cut when it is large", async () => {
    const transcripts = new Transcripts(
      new LocalDiskStore(await mkdtemp(path.join(os.tmpdir(), 'full-')), fullDisk),
    );
    const medium = 'm'.repeat(OUT_OF_LINE_BYTES * 2);
    assert.deepEqual(await transcripts.keepResult(medium), { content: medium });
    const large = 'l'.repeat(INLINE_FALLBACK_BYTES * 4);
    const kept = await transcripts.keepResult(large);
    assert.ok('content' in kept);
    assert.ok(kept.content.startsWith('l'.repeat(INLINE_FALLBACK_BYTES)));
    assert.match(kept.content, /was cut to its first \d+ bytes: Could not write to the message store/);
    assert.ok(Buffer.byteLength(kept.content) < INLINE_FALLBACK_BYTES + 1024);
    const image = {
      type: 'image' as const,
      source: { type: 'base64' as const, media_type: 'image/png' as const, data: 'iVBO' },
    };
    assert.deepEqual(await transcripts.keepBlocks([image], 'an image, described'), {
      content: 'an image, described',
    });
  });
});

describe('stored transcripts', () => {
  it('appends messages as a chain and loads them back in order', async () => {
    const transcripts = new Transcripts(await tempStore());
    const one = await transcripts.append(null, [{ role: 'user', content: 'Hi' }]);
    const two = await transcripts.append(one, [
      { role: 'assistant', content: [{ type: 'text', text: 'Hello' }] },
      { role: 'user', content: 'Bye' },
    ]);
    assert.deepEqual(await transcripts.load(two), [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello' }] },
      { role: 'user', content: 'Bye' },
    ]);
    assert.deepEqual(await transcripts.load(one), [{ role: 'user', content: 'Hi' }]);
    assert.deepEqual(await transcripts.load(null), []);
    assert.equal(await transcripts.append(two, []), two);
  });

  it('keeps small tool results inline and puts large ones back when loading', async () => {
    const store = await tempStore();
    const transcripts = new Transcripts(store);
    assert.equal(await transcripts.storeIfLarge('small'), undefined);
    const big = 'x'.repeat(OUT_OF_LINE_BYTES + 1);
    const ref = await transcripts.storeIfLarge(big);
    assert.ok(ref);
    const head = await transcripts.append(null, [
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content_ref: ref }] },
    ]);
    // A fresh reader (another worker) resolves it from the store alone.
    const [message] = await new Transcripts(store).load(head);
    assert.deepEqual(message, {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: big }],
    });
  });

  it("stores a finished tool's result once it is more than a few references long", async () => {
    const transcripts = new Transcripts(await tempStore());
    const short = 's'.repeat(TOOL_RESULT_INLINE_BYTES);
    assert.deepEqual(await transcripts.keepResult(short), { content: short });
    // Under OUT_OF_LINE_BYTES, but inline it would be in history twice (tool result, next model call).
    const kilobyte = 'k'.repeat(1024);
    const kept = await transcripts.keepResult(kilobyte);
    assert.ok('contentRef' in kept, JSON.stringify(kept).slice(0, 80));
    const head = await transcripts.append(null, [
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content_ref: kept.contentRef }],
      },
    ]);
    const [message] = await transcripts.load(head);
    assert.deepEqual(message, {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: kilobyte }],
    });
  });

  it('stores a tool result of content blocks, even a small one, and puts the blocks back when loading', async () => {
    const store = await tempStore();
    const blocks = [
      { type: 'text' as const, text: 'a chart' },
      {
        type: 'image' as const,
        source: { type: 'base64' as const, media_type: 'image/png' as const, data: 'iVBO' },
      },
    ];
    const kept = await new Transcripts(store).keepBlocks(blocks, 'a chart and an image');
    assert.ok('contentRef' in kept && kept.blocks === true);
    const head = await new Transcripts(store).append(null, [
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content_ref: kept.contentRef, blocks: true },
        ],
      },
    ]);
    const [message] = await new Transcripts(store).load(head);
    assert.deepEqual(message, {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: blocks }],
    });
  });
});

describe('the transcript cache', () => {
  /** A store that counts its reads. */
  async function countingStore() {
    const inner = await tempStore();
    const reads: string[] = [];
    return {
      reads,
      put: (bytes: Buffer) => inner.put(bytes),
      get: (ref: string) => {
        reads.push(ref);
        return inner.get(ref);
      },
    };
  }

  it('holds content up to a byte budget, dropping the least recently used first', async () => {
    const store = await countingStore();
    const kb = 1024;
    const transcripts = new Transcripts(store, { cacheBytes: 10 * kb });
    const texts = ['a', 'b', 'c', 'd'].map((letter) => letter.repeat(3 * kb));
    // One after another: the order they enter the cache is the order of least recent use.
    const a = await transcripts.putJson(texts[0]);
    const b = await transcripts.putJson(texts[1]);
    const c = await transcripts.putJson(texts[2]);
    assert.equal(await transcripts.json(a), texts[0]); // a is now the most recently used
    await transcripts.putJson(texts[3]); // over budget: b goes
    assert.ok(transcripts.cachedBytes <= 10 * kb, `the cache holds ${transcripts.cachedBytes} bytes`);
    assert.deepEqual(store.reads, []);
    assert.equal(await transcripts.json(a), texts[0]);
    assert.equal(await transcripts.json(c), texts[2]);
    assert.deepEqual(store.reads, [], 'a and c were still cached');
    assert.equal(await transcripts.json(b), texts[1]);
    assert.deepEqual(store.reads, [b], 'b was dropped and read from the store');
  });

  it('does not cache content larger than the whole budget', async () => {
    const store = await countingStore();
    const transcripts = new Transcripts(store, { cacheBytes: 1024 });
    const small = await transcripts.putJson('small');
    const huge = await transcripts.putJson('h'.repeat(4096));
    assert.equal(transcripts.cachedBytes, Buffer.byteLength(JSON.stringify('small')));
    await transcripts.json(huge);
    await transcripts.json(small);
    assert.deepEqual(store.reads, [huge]);
  });
});

describe('payload guard', () => {
  it('measures JSON in UTF-8 bytes', () => {
    assert.equal(jsonBytes('abc'), 5);
    assert.equal(jsonBytes('é'), 4);
    assert.equal(jsonBytes('😀'), 6);
    assert.equal(jsonBytes({ a: [1, 2] }), Buffer.byteLength(JSON.stringify({ a: [1, 2] })));
  });

  it('leaves a small ledger alone and shrinks the inputs of a large one', () => {
    const small = [{ input: { q: 'x' } }];
    assert.equal(fitLedger(small), small);
    const large = Array.from({ length: 10 }, () => ({ input: { blob: 'y'.repeat(1000) }, name: 't' }));
    const fitted = fitLedger(large, 5000);
    assert.ok(jsonBytes(fitted) < 5000);
    assert.match(JSON.stringify(fitted[0]?.input), /left out/);
    assert.equal(fitted[0]?.name, 't');
  });
});

describe('sealed message store', () => {
  const keyText = Buffer.alloc(32, 7).toString('base64');
  const secret = Buffer.from('the customer card ends in 4242 '.repeat(20));

  it('keeps no plaintext on disk when a key is set, and reads it back', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sealed-'));
    const store = defaultMessageStore(dir, codecsFromEnv({ DURABLE_AGENT_ENCRYPTION_KEY: keyText }));
    const ref = await store.put(secret);
    assert.deepEqual(await store.get(ref), secret);
    const hex = parseName(ref)?.hex ?? '';
    const onDisk = await readFile(path.join(dir, hex.slice(0, 2), hex));
    assert.equal(onDisk.includes(Buffer.from('4242')), false);

    const otherKey = defaultMessageStore(
      dir,
      codecsFromEnv({ DURABLE_AGENT_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64') }),
    );
    await assert.rejects(otherKey.get(ref), /key/i);
    assert.ok(!(defaultMessageStore(dir, []) instanceof SealedStore), 'no key, no sealing');
  });

  it('names content by a keyed hash, so a guessed content cannot be confirmed by its SHA-256', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sealed-'));
    const store = defaultMessageStore(dir, codecsFromEnv({ DURABLE_AGENT_ENCRYPTION_KEY: keyText }));
    const ref = await store.put(secret);
    assert.match(ref, /^h:[A-Za-z0-9_-]{43}$/);
    const plainHash = parseName(contentRef(secret))?.hex ?? '';
    assert.notEqual(plainHash, '');
    assert.equal(ref.includes(plainHash), false);
    const files = (await readdir(dir, { recursive: true })).map(String);
    assert.equal(
      files.some((file) => file.includes(plainHash)),
      false,
      `a file is named ${plainHash}`,
    );
    assert.equal(await store.put(secret), ref, 'equal content is still stored once');

    // After a rotation the old key, kept to decrypt, still checks the names it made.
    const rotated = defaultMessageStore(
      dir,
      codecsFromEnv({
        DURABLE_AGENT_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
        DURABLE_AGENT_ENCRYPTION_OLD_KEYS: `${deriveKeyId(Buffer.alloc(32, 7))}:${keyText}`,
      }),
    );
    assert.deepEqual(await rotated.get(ref), secret);
    assert.notEqual(await rotated.put(secret), ref, 'new content is named under the new key');
  });

  it('seals content on a storage driver too', async () => {
    const driver = memoryDriver();
    const store = sealedStore(
      new DriverStore(driver),
      codecsFromEnv({ DURABLE_AGENT_ENCRYPTION_KEY: keyText }),
    );
    const ref = await store.put(secret);
    assert.deepEqual(await store.get(ref), secret);
    const [stored] = driver.objects.values();
    assert.equal(
      Buffer.from(stored?.data ?? []).includes(Buffer.from('4242')),
      false,
      'the driver got plaintext',
    );
    // Content swapped under another name (someone with write access to the bucket) is refused.
    await store.put(Buffer.from('another secret'));
    const [first, second] = [...driver.objects.keys()];
    driver.objects.set(first as string, driver.objects.get(second as string) as Payload);
    await assert.rejects(store.get(ref), /does not match its name/);
  });
});
