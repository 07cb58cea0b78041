// The message store: content that history carries only by reference (transcript messages, tool results, the
// tool-call ledger). Activities write it; the client and the CLI read it. Start-time checks that need a
// worker connection stay in ./check, imported by the worker side only.
export type { BlobStore, MessageStore, StoreFs } from './message-store';
export { DriverStore, LocalDiskStore } from './message-store';
export { MessageStoreUnavailableError, MissingContentError, STORE_DIR_ENV, storeFailure } from './errors';
export { SealedStore } from './sealed-store';
export { DEFAULT_CACHE_BYTES, Transcripts } from './transcript';
export type { TranscriptsOptions } from './transcript';
export { readToolCalls } from './ledger';
export { defaultMessageStore, openWorkerStore, sealedStore } from './open';
export type { WorkerStore } from './open';
export { DEFAULT_RETENTION_DAYS, pruneStore } from './prune';
export type { PruneReport } from './prune';
