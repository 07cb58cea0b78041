// The start-time check that the workers of a task queue share one message store, read from their identities.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NativeConnection } from '@temporalio/worker';
import { refuseUnsharedStore, workerIdentity } from '../../src/store/check';

const ours = { id: '2a77139e-25b2-4f0e-9d6a-0c4f1d2e3b4a', where: 'here' };
const now = 1_800_000_000_000;

function connectionWith(identities: string[], lastSeen = now): NativeConnection {
  const pollers = identities.map((identity) => ({
    identity,
    lastAccessTime: { seconds: lastSeen / 1000 },
  }));
  return {
    workflowService: { describeTaskQueue: async () => ({ pollers }) },
  } as unknown as NativeConnection;
}

const check = (identities: string[], lastSeen?: number) =>
  refuseUnsharedStore(connectionWith(identities, lastSeen), 'default', 'q', ours, now);

describe('shared-store check', () => {
  it('names the store by a short tag in the identity', () => {
    assert.match(workerIdentity(ours.id), /^\d+@\S+ s:2a77139e$/);
  });

  it('accepts workers of the same store, by the short tag or the whole ID older workers wrote', async () => {
    await check([workerIdentity(ours.id), `7@old store:${ours.id}`, '9@theirs']);
  });

  it('refuses a live worker of another store, by either spelling', async () => {
    await assert.rejects(check(['7@other s:0badc0de']), /another message store/);
    await assert.rejects(
      check(['7@other store:0badc0de-0000-4000-8000-000000000000']),
      /another message store/,
    );
  });

  it('ignores a worker of another store that stopped polling long ago', async () => {
    await check(['7@other s:0badc0de'], now - 10 * 60 * 1000);
  });
});
