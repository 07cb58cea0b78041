// What a person sends a running run (the cancel signal, the approve update) is checked and bounded here before
// the run keeps any of it: it ends up in tool results, the run's result and the next model call, so an
// oversized or malformed value would otherwise fail a later workflow task and, with it, the run.
import type { ApproveArgs } from '../shared/definitions';
import type { PendingApproval } from './tool-calls';

/** The longest cancel reason kept; a longer one is cut. */
const MAX_CANCEL_REASON_CHARS = 1000;
/** The longest approval note accepted; the model reads it in the tool result. */
const MAX_APPROVAL_NOTE_CHARS = 4000;
const MAX_TOOL_USE_ID_CHARS = 256;

/**
 * The cancel signal's reason as bounded text. A signal cannot be refused, so whatever came is kept as text:
 * a reason that is not a string (or a bare string instead of `{ reason }`) is written out, and cut to a bound.
 */
export function cancelReasonOf(args: unknown): string {
  const raw = typeof args === 'object' && args !== null ? (args as { reason?: unknown }).reason : args;
  if (raw === undefined || raw === null || raw === '') return 'cancelled by the cancel signal';
  const text = typeof raw === 'string' ? raw : (JSON.stringify(raw) ?? String(raw));
  return text.length > MAX_CANCEL_REASON_CHARS ? `${text.slice(0, MAX_CANCEL_REASON_CHARS)}…` : text;
}

/**
 * The approve update's validator: a refused update is never written to history, so a malformed or oversized
 * request is turned away with a message saying what to send, and the run goes on. Returns the fields kept.
 */
export function checkApproval(args: unknown, approvals: ReadonlyMap<string, PendingApproval>): ApproveArgs {
  const { toolUseId, approved, note } = (typeof args === 'object' && args !== null ? args : {}) as Record<
    string,
    unknown
  >;
  if (
    typeof toolUseId !== 'string' ||
    toolUseId.length > MAX_TOOL_USE_ID_CHARS ||
    typeof approved !== 'boolean'
  )
    throw new Error('approve takes { toolUseId: string, approved: boolean, note?: string }.');
  if (note !== undefined && typeof note !== 'string') throw new Error('approve: note must be a string.');
  if (note !== undefined && note.length > MAX_APPROVAL_NOTE_CHARS)
    throw new Error(
      `approve: the note is ${note.length} characters; at most ${MAX_APPROVAL_NOTE_CHARS} are accepted. Send a shorter note.`,
    );
  const pending = approvals.get(toolUseId);
  const waiting = [...approvals.keys()].join(', ') || 'none';
  if (!pending)
    throw new Error(
      `No tool call ${toolUseId} is waiting for approval in this run. Waiting now: ${waiting}.`,
    );
  if (pending.decision)
    throw new Error(
      `Tool call ${toolUseId} was already ${pending.decision.approved ? 'approved' : 'rejected'}.`,
    );
  return note === undefined ? { toolUseId, approved } : { toolUseId, approved, note };
}
