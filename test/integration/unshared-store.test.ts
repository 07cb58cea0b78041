// Integration test: a real Temporal dev server, the fake Claude over real HTTP, and two workers in this process
// that do not share their message store: a run that moves from one to the other fails once, clearly.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { LocalDiskStore } from '../../src/store/message-store';
import { awaitResult, getProgress, RunFailedError } from '../../src/client';
import { approveUpdate } from '../../src/shared';
import { waitFor } from '../helpers/child-worker';
import { startTestEnv } from '../helpers/env';
import type { TestEnv } from '../helpers/env';
import { closeAccount } from '../helpers/tools';

// Each test has a task queue (and a dev server) of its own: the workers one test leaves behind must not be
// seen by the other's start-time check.
let env: TestEnv;
beforeEach(async () => {
  env = await startTestEnv();
});
afterEach(async () => {
  await env?.close();
});

const storeIn = async (name: string) => new LocalDiskStore(await mkdtemp(path.join(os.tmpdir(), `${name}-`)));

describe('workers that do not share the message store', () => {
  it('fail the model call as MessageContentMissing after a few attempts, saying they must share it', async () => {
    const prompt = 'Close account 77 please.';
    env.fake.script(
      [
        {
          content: [{ type: 'tool_use', id: 'toolu_close', name: 'close_account', input: { account: '77' } }],
        },
        { content: 'never sent' },
      ],
      { match: 'account 77' },
    );
    const first = await env.startWorker([closeAccount], { store: await storeIn('store-a') });
    const handle = await env.start({ prompt });
    while (
      !(await getProgress(env.client, handle.workflowId).catch(() => undefined))?.approvalsWaiting.length
    )
      await setTimeout(25);
    first.shutdown();
    await waitFor('the first worker to stop', () => first.getState() === 'STOPPED');

    // The run goes on on a worker with a store of its own, which has none of the run's messages. The store
    // is one the worker cannot identify (any MessageStore), so the check at start cannot catch it.
    const other = await storeIn('store-b');
    await env.startWorker([closeAccount], {
      store: { put: (bytes) => other.put(bytes), get: (ref) => other.get(ref) },
    });
    await handle.executeUpdate(approveUpdate, { args: [{ toolUseId: 'toolu_close', approved: true }] });
    await assert.rejects(awaitResult(handle), (err: unknown) => {
      assert.ok(err instanceof RunFailedError, String(err));
      assert.equal(err.type, 'MessageContentMissing');
      assert.match(err.message, /DURABLE_AGENT_STORE_DIR/);
      assert.match(err.message, /must share the message store/);
      assert.match(err.message, /gave up after 3 attempts/);
      return true;
    });
    assert.equal(env.fake.requests.filter((r) => r.match === 'account 77').length, 1);
  });

  it('refuse to start beside a worker of the task queue that uses another store directory', async () => {
    const shared = await storeIn('store-shared');
    await env.startWorker([closeAccount], { store: shared });
    await assert.rejects(
      env.startWorker([closeAccount], { store: await storeIn('store-elsewhere') }),
      (err: Error) => {
        assert.match(err.message, /another message store/);
        assert.match(err.message, /DURABLE_AGENT_STORE_DIR/);
        assert.match(err.message, /store-elsewhere/);
        return true;
      },
    );
    // The same directory is the same store, whichever worker opens it.
    await env.startWorker([closeAccount], { store: new LocalDiskStore(shared.dir) });
  });
});
