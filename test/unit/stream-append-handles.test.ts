// Unit tests: no workers, no servers. The open append handles of the file stream backend: reused between
// appends, closed when idle, when the pool is full and when the log closes, and never left writing to a stream
// file that was deleted.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { StreamEventBody } from '../../src/shared';
import { AppendHandles } from '../../src/streams/append-handles';
import { FileRecordLog } from '../../src/streams/file-log';
import { RecordStreamBackend } from '../../src/streams/sealed';
import { openDescriptors } from '../helpers/descriptors';

const tempDir = () => mkdtemp(path.join(os.tmpdir(), 'append-handles-'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const lines = async (file: string) => (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');

describe('stream append handles', () => {
  it('writes many appends to one file through one open descriptor, and closes it with the log', async () => {
    const dir = await tempDir();
    const log = new FileRecordLog(dir);
    for (let i = 1; i <= 20; i++) await log.append('run-1', [`{"n":${i}}`]);
    const file = log.file('run-1');
    assert.equal(await openDescriptors(file), 1);
    await log.close();
    assert.equal(await openDescriptors(file), 0);
    assert.deepEqual(
      await lines(file),
      Array.from({ length: 20 }, (_, i) => `{"n":${i + 1}}`),
    );
  });

  it('closes handles of streams no longer written, so a finished run holds no descriptor', async () => {
    const dir = await tempDir();
    const handles = new AppendHandles({ idleMs: 40 });
    const file = path.join(dir, 'done.jsonl');
    await handles.append(file, Buffer.from('last\n'));
    assert.equal(await openDescriptors(file), 1);
    await sleep(150);
    assert.equal(handles.size, 0);
    assert.equal(await openDescriptors(file), 0);
  });

  it('keeps at most maxOpen handles, closing the least recently used, and every line still lands', async () => {
    const dir = await tempDir();
    const handles = new AppendHandles({ maxOpen: 2 });
    const files = ['a', 'b', 'c'].map((name) => path.join(dir, `${name}.jsonl`));
    for (let round = 1; round <= 3; round++)
      for (const file of files) await handles.append(file, Buffer.from(`${round}\n`));
    assert.equal(handles.size, 2);
    // a was used least recently.
    assert.equal(await openDescriptors(files[0] as string), 0);
    for (const file of files) assert.deepEqual(await lines(file), ['1', '2', '3']);
    await handles.close();
  });

  it('writes to a new file at the path once the stream file was deleted (store prune), not to the deleted one', async () => {
    const dir = await tempDir();
    const handles = new AppendHandles({ checkMs: 20 });
    const file = path.join(dir, 'pruned.jsonl');
    await handles.append(file, Buffer.from('before\n'));
    await unlink(file);
    await sleep(40);
    await handles.append(file, Buffer.from('after\n'));
    assert.deepEqual(await lines(file), ['after']);
    // The handle of the deleted file is let go, not kept open beside the new one.
    await sleep(20);
    assert.equal(await openDescriptors(file), 1);
    await handles.close();
    assert.equal(await openDescriptors(file), 0);
  });

  it('writes to the file now at the path when the old one was replaced by another', async () => {
    const dir = await tempDir();
    const handles = new AppendHandles({ checkMs: 20 });
    const file = path.join(dir, 'replaced.jsonl');
    await handles.append(file, Buffer.from('old\n'));
    await rename(file, path.join(dir, 'moved.jsonl'));
    await writeFile(file, 'new\n');
    await sleep(40);
    await handles.append(file, Buffer.from('more\n'));
    assert.deepEqual(await lines(file), ['new', 'more']);
    assert.deepEqual(await lines(path.join(dir, 'moved.jsonl')), ['old']);
    await handles.close();
  });

  it('makes the streams directory again when it was removed while a handle was open', async () => {
    const dir = await tempDir();
    const streams = path.join(dir, 'streams');
    const handles = new AppendHandles({ checkMs: 20 });
    const file = path.join(streams, 'run.jsonl');
    await handles.append(file, Buffer.from('one\n'));
    await rm(streams, { recursive: true });
    await sleep(40);
    await handles.append(file, Buffer.from('two\n'));
    assert.deepEqual(await lines(file), ['two']);
    await handles.close();
  });

  it('numbers concurrent appends through one handle 1..N, each append whole', async () => {
    const dir = await tempDir();
    const backend = new RecordStreamBackend(new FileRecordLog(dir, 20, { checkMs: 0 }));
    const body = (i: number): StreamEventBody => ({ type: 'text', turn: 1, attempt: 1, delta: `${i}` });
    // checkMs 0: every append checks the path too, so checks and writes overlap.
    await Promise.all(Array.from({ length: 100 }, (_, i) => backend.append('busy', [body(i), body(i)])));
    const events: Array<{ offset: number; delta: string }> = [];
    for await (const e of backend.read('busy', 0, { follow: false }))
      events.push({ offset: e.offset, delta: (e as { delta: string }).delta });
    assert.deepEqual(
      events.map((e) => e.offset),
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    for (let i = 0; i < 200; i += 2) assert.equal(events[i]?.delta, events[i + 1]?.delta);
    await backend.close();
    assert.equal(await openDescriptors(path.join(dir, 'busy.jsonl')), 0);
  });
});
