// Unit tests: no workers, no servers. Retention of the local message store, and `durable-agent store prune`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import * as nodeFs from 'node:fs/promises';
import { LocalDiskStore, parseName } from '../../src/store/message-store';
import { pruneStore } from '../../src/store/prune';
import { RecentRefs } from '../../src/store/recent-refs';
import { Transcripts } from '../../src/store/transcript';

const DAY_MS = 24 * 60 * 60 * 1000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS);

/** A store with one file last used 40 days ago and one used today. */
async function storeWithOldAndNew() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'prune-'));
  // Setting a file's time back stands in for the days passing; recentMs 0 keeps this process's memory of its
  // own writes (which would otherwise spare the touch of a read minutes later) from hiding that.
  const store = new LocalDiskStore(dir, nodeFs, { recentMs: 0 });
  const old = await store.put(Buffer.from('content of a run closed long ago'));
  const fresh = await store.put(Buffer.from('content of a run still going'));
  const file = (ref: string) => {
    const hex = parseName(ref)?.hex ?? '';
    return path.join(dir, hex.slice(0, 2), hex);
  };
  await utimes(file(old), daysAgo(40), daysAgo(40));
  return { dir, store, old, fresh, file };
}

describe('message store retention', () => {
  it('deletes content no run has written or read for N days, and keeps the rest', async () => {
    const { dir, store, old, fresh } = await storeWithOldAndNew();
    await writeFile(path.join(dir, 'README'), 'not the store’s');
    const report = await pruneStore(dir, 30);
    assert.deepEqual(
      { ...report, deletedBytes: undefined },
      {
        deletedFiles: 1,
        keptFiles: 1,
        deletedBytes: undefined,
      },
    );
    await assert.rejects(store.get(old), /not in the message store/);
    assert.equal((await store.get(fresh)).toString(), 'content of a run still going');
    assert.ok((await readdir(dir)).includes('README'), 'a file that is not content was deleted');
  });

  it('keeps content that a run still reads, from disk or from the cache', async () => {
    const { dir, store, old, file } = await storeWithOldAndNew();
    await store.get(old);
    assert.ok((await stat(file(old))).mtimeMs > daysAgo(1).getTime(), 'a read did not mark the content used');

    // A worker that has the content cached marks it used too.
    const transcripts = new Transcripts(store, { touchEveryMs: 0 });
    const cached = await transcripts.putJson('cached for a long time');
    await utimes(file(cached), daysAgo(40), daysAgo(40));
    assert.equal(await transcripts.json(cached), 'cached for a long time');
    assert.equal((await pruneStore(dir, 30)).deletedFiles, 0);
  });

  it('skips the touch of content this process wrote or touched minutes ago, and touches it once that is longer ago', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'prune-recent-'));
    const utimesCalls: string[] = [];
    const fs = {
      ...nodeFs,
      utimes: (...[file, atime, mtime]: Parameters<typeof nodeFs.utimes>) => {
        utimesCalls.push(String(file));
        return nodeFs.utimes(file, atime, mtime);
      },
    };
    const store = new LocalDiskStore(dir, fs, { recentMs: 200 });
    const ref = await store.put(Buffer.from('read by every turn of a run'));
    for (let i = 0; i < 5; i++) await store.get(ref);
    assert.deepEqual(utimesCalls, [], 'a read right after the write set the time again');
    // Once the write is no longer recent, a read marks the content used again (retention must see the use)...
    await new Promise((resolve) => setTimeout(resolve, 250));
    const hex = parseName(ref)?.hex ?? '';
    const file = path.join(dir, hex.slice(0, 2), hex);
    await utimes(file, daysAgo(40), daysAgo(40));
    await store.get(ref);
    assert.equal(utimesCalls.length, 1);
    assert.ok((await stat(file)).mtimeMs > daysAgo(1).getTime(), 'the read did not mark the content used');
    // ...and the reads right after it do not.
    await store.get(ref);
    await store.touch(ref);
    assert.equal(utimesCalls.length, 1);
    assert.equal((await pruneStore(dir, 1)).deletedFiles, 0);
  });

  it('is `durable-agent store prune --older-than-days N` on DURABLE_AGENT_STORE_DIR', async () => {
    const { dir, store, old, fresh } = await storeWithOldAndNew();
    const cli = path.join(__dirname, '../../bin/durable-agent.js');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [cli, 'store', 'prune', '--older-than-days', '7', '--json'],
      { env: { ...process.env, DURABLE_AGENT_STORE_DIR: dir }, encoding: 'utf8' },
    );
    const report = JSON.parse(stdout) as Record<string, unknown>;
    assert.equal(report.dir, dir);
    assert.equal(report.olderThanDays, 7);
    assert.equal(report.deletedFiles, 1);
    await assert.rejects(store.get(old));
    await store.get(fresh);
  });

  it('remembers a bounded number of recent writes, forgetting the oldest first', () => {
    let now = 0;
    const recent = new RecentRefs(1000, 3, () => now);
    for (const ref of ['a', 'b', 'c']) recent.add(ref);
    recent.add('a');
    recent.add('d');
    assert.equal(recent.size, 3);
    assert.deepEqual(
      ['a', 'b', 'c', 'd'].map((ref) => recent.has(ref)),
      [true, false, true, true],
    );
    now = 1000;
    assert.equal(recent.has('d'), false, 'a write a whole window ago still counted as recent');
  });
});
