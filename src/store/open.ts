import type { PayloadCodec } from '@temporalio/common';
import { LocalDiskStore } from './message-store';
import type { BlobStore, MessageStore } from './message-store';
import { SealedStore } from './sealed-store';
import { codecsFromEnv } from '../codec/keys';
import { configFromEnv } from '../config';

/** The message store of this process: DURABLE_AGENT_STORE_DIR, sealed with the payload codecs when a key is set. */
export function defaultMessageStore(
  storeDir: string = configFromEnv().storeDir,
  codecs = codecsFromEnv(),
): MessageStore {
  return sealedStore(new LocalDiskStore(storeDir), codecs);
}

/**
 * A store sealed with the payload codecs: a raw store (LocalDiskStore, DriverStore, any BlobStore) is wrapped;
 * a store that is already sealed, or that seals by itself, is used as it is, as is any store without codecs.
 */
export function sealedStore(
  store: MessageStore,
  codecs: readonly PayloadCodec[] = codecsFromEnv(),
): MessageStore {
  return codecs.length > 0 && isBlobStore(store) ? new SealedStore(store, codecs) : store;
}

function isBlobStore(store: MessageStore): store is MessageStore & BlobStore {
  const candidate = store as Partial<BlobStore>;
  return typeof candidate.putAt === 'function' && typeof candidate.getAt === 'function';
}

/** A worker's store, and its ID where the store has one (a directory does), for the start-time check. */
export interface WorkerStore {
  store: MessageStore;
  id?: string;
  /** Where it is, for messages. */
  where: string;
}

/**
 * The store of a worker: the given one or the directory, checked (a store that cannot be written would fail
 * every run only after its tools had run, so the worker refuses to start instead) and sealed with the codecs.
 */
export async function openWorkerStore(
  given: MessageStore | undefined,
  storeDir: string,
  codecs: readonly PayloadCodec[],
): Promise<WorkerStore> {
  const store = given ?? new LocalDiskStore(storeDir);
  await (store as { probe?: () => Promise<void> }).probe?.();
  const id = store instanceof LocalDiskStore ? await store.storeId() : undefined;
  const where = store instanceof LocalDiskStore ? store.dir : 'a store given to the worker';
  return { store: sealedStore(store, codecs), where, ...(id ? { id } : {}) };
}
