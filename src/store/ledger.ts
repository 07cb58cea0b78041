// The whole tool-call ledger, kept in the message store: the workflow keeps only counts and the latest calls.
// Batches are chained like transcript messages, each pointing to the batch before it.
import type { LedgerBatch, ToolCallRecord } from '../shared';
import type { Transcripts } from './transcript';

/** Every call of a stored ledger, oldest first. */
export async function readToolCalls(
  transcripts: Transcripts,
  head: string | null,
): Promise<ToolCallRecord[]> {
  const batches: ToolCallRecord[][] = [];
  for (let ref = head; ref !== null;) {
    const batch = await transcripts.json<LedgerBatch>(ref);
    batches.push(batch.calls);
    ref = batch.prev;
  }
  return batches.reverse().flat();
}
