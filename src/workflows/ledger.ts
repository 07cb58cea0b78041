// The tool-call ledger as the workflow keeps it: counts by status and the latest calls, so what history carries
// (the continue-as-new argument, the result, the status query) stays bounded however long the run goes. Every
// call is also written, in batches, to the message store by an activity, so the whole ledger is never lost.
import { CancellationScope } from '@temporalio/workflow';
import { RECENT_TOOL_CALLS } from '../shared/result';
import type { ToolCallCounts, ToolCallRecord } from '../shared/result';
import { fitLedger, jsonBytes, PAYLOAD_LIMIT_BYTES } from './payload-guard';
import { storeToolCalls } from './proxies';

// Calls not yet stored are written once there are this many, or this many bytes of them.
const STORE_EVERY_CALLS = RECENT_TOOL_CALLS;
const STORE_EVERY_BYTES = 256 * 1024;

/** The ledger in workflow state. JSON only: it crosses continue-as-new. */
export interface Ledger {
  counts: ToolCallCounts;
  /** Unsafe calls that failed or whose outcome is unknown: the run cannot report plain success. */
  inDoubt: number;
  /** The latest calls, oldest first. */
  recent: ToolCallRecord[];
  /** Calls not yet written to the message store. */
  unstored: ToolCallRecord[];
  /** Head of the stored ledger, or null before the first batch. */
  ref: string | null;
}

/** A ledger with no calls. */
export function emptyLedger(): Ledger {
  return { counts: { total: 0, byStatus: {} }, inDoubt: 0, recent: [], unstored: [], ref: null };
}

/** Adds a turn's calls. */
export function addCalls(ledger: Ledger, records: readonly ToolCallRecord[]): void {
  for (const record of records) {
    ledger.counts.total += 1;
    ledger.counts.byStatus[record.status] = (ledger.counts.byStatus[record.status] ?? 0) + 1;
    if (record.effect === 'unsafe' && (record.status === 'failed' || record.status === 'outcome_unknown'))
      ledger.inDoubt += 1;
  }
  ledger.recent = [...ledger.recent, ...records].slice(-RECENT_TOOL_CALLS);
  ledger.unstored.push(...records);
}

/** Writes the calls not yet stored, when there are enough of them or when `all` is set (end, hand-over). */
export async function storeCalls(ledger: Ledger, all: boolean): Promise<void> {
  if (ledger.unstored.length === 0) return;
  if (!all && ledger.unstored.length < STORE_EVERY_CALLS && jsonBytes(ledger.unstored) < STORE_EVERY_BYTES)
    return;
  // One turn's calls came in one model reply under the payload limit, so a batch fits too; fitLedger is the
  // last guard against a batch that would not.
  const calls = fitLedger(ledger.unstored, PAYLOAD_LIMIT_BYTES);
  // Once a call is counted it must reach the store, even when the run is being cancelled.
  ledger.ref = await CancellationScope.nonCancellable(() => storeToolCalls({ prev: ledger.ref, calls }));
  ledger.unstored = [];
}

/** The ledger as a result, the status query and the next run of the chain carry it. */
export function ledgerView(ledger: Ledger): {
  toolCalls: ToolCallRecord[];
  toolCallCounts: ToolCallCounts;
  toolCallLedger: string | null;
} {
  return { toolCalls: fitLedger(ledger.recent), toolCallCounts: ledger.counts, toolCallLedger: ledger.ref };
}
