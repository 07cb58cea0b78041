// Unit tests: no workers, no servers. Retention of the local message store, and `durable-agent store prune`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { LocalDiskStore, parseName } from '../../src/store/message-store';
import { pruneStore } from '../../src/store/prune';
import { Transcripts } from '../../src/store/transcript';

const DAY_MS = 24 * 60 * 60 * 1000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS);

/** A store with one file last used 40 days ago and one used today. */
async function storeWithOldAndNew() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'prune-'));
  const store = new LocalDiskStore(dir);
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
});
