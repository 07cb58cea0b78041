// The beta flags the API's context management needs, derived from the edits a request sends.
import { CONTEXT_MANAGEMENT_BETA, SERVER_COMPACTION_BETA } from '../shared/context';
import type { ContextManagement } from '../shared/context';

/** The beta flags a request with this `context_management` must send; none without one. */
export function contextBetas(management: ContextManagement | undefined): string[] {
  if (!management || management.edits.length === 0) return [];
  const betas = [CONTEXT_MANAGEMENT_BETA];
  if (management.edits.some((edit) => edit.type === 'compact_20260112')) betas.push(SERVER_COMPACTION_BETA);
  return betas;
}
