// The storeToolCalls activity: appends a batch to the ledger kept in the message store (src/store/ledger.ts).
import type { LedgerBatch } from '../shared';
import type { Transcripts } from '../store';

/** Builds the storeToolCalls activity: appends a batch of calls; returns the new head of the ledger. */
export function createStoreToolCalls(transcripts: Transcripts) {
  return async function storeToolCalls(batch: LedgerBatch): Promise<string> {
    return transcripts.putJson(batch);
  };
}
