// Whether the workers of a task queue share one message store, checked when a worker starts. Each worker
// names its store's ID in its Temporal identity; a starting worker reads the identities of the workers that
// poll its task queue and refuses to start beside one whose store is another. This catches what would
// otherwise show only as model calls failing with MessageContentMissing once a run moves between workers.
import { hostname } from 'node:os';
import type { NativeConnection } from '@temporalio/worker';
import { STORE_DIR_ENV } from './errors';

// `store:<uuid>` in identities written before the short tag; ` s:<tag>` since.
const STORE_TAG = /(?:\bstore:|\ss:)(\S+)/;
// The identity is in ten history events of every turn (activity and workflow task started/completed, the
// sticky queue's name), so it carries a short form of the store ID: 8 hex characters (32 bits) tell apart
// the few stores that could poll one task queue. Workers that wrote the whole UUID compare by the same form.
const STORE_TAG_CHARS = 8;

function storeTag(storeId: string): string {
  return storeId.replace(/-/g, '').slice(0, STORE_TAG_CHARS).toLowerCase();
}
// Pollers are listed for minutes after they stop; a worker that polls refreshes its entry at least every
// long poll (about a minute), so only entries this recent are live workers.
const LIVE_POLLER_MS = 2 * 60 * 1000;
const TASK_QUEUE_TYPES = [1, 2] as const; // temporal.api.enums.v1.TaskQueueType: WORKFLOW, ACTIVITY

/** The Temporal identity of a worker whose store has this ID. */
export function workerIdentity(storeId: string): string {
  return `${process.pid}@${hostname()} s:${storeTag(storeId)}`;
}

/** Refuses to start a worker beside live workers of the task queue that use another message store. */
export async function refuseUnsharedStore(
  connection: NativeConnection,
  namespace: string,
  taskQueue: string,
  store: { id: string; where: string },
  now: number = Date.now(),
): Promise<void> {
  for (const taskQueueType of TASK_QUEUE_TYPES) {
    const { pollers } = await connection.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue },
      taskQueueType,
    });
    for (const poller of pollers ?? []) {
      const other = STORE_TAG.exec(poller.identity ?? '')?.[1];
      const seen = Number(poller.lastAccessTime?.seconds ?? 0) * 1000;
      if (other === undefined || storeTag(other) === storeTag(store.id) || now - seen > LIVE_POLLER_MS)
        continue;
      throw new Error(
        `The worker "${poller.identity}" polls task queue "${taskQueue}" with another message store than this worker's (${store.where}, store ${store.id}). ` +
          `Every worker of a task queue must share the message store, or runs fail when they move between workers: set ${STORE_DIR_ENV} to the same shared volume on every worker (or give them the same object store).`,
      );
    }
  }
}
