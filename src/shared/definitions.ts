import type { QueryDefinition, SignalDefinition, UpdateDefinition } from '@temporalio/common';
import type { AgentResult } from './result';

// Plain definition objects (what defineSignal/defineQuery/defineUpdate return) so the client, the CLI and the
// workflow share one name without the client importing @temporalio/workflow.

/** Argument of the `cancel` signal. */
export interface CancelArgs {
  reason?: string;
}

/** Argument of the `approve` update. */
export interface ApproveArgs {
  toolUseId: string;
  approved: boolean;
  note?: string;
}

/** What the `status` query returns while a run goes and after it ends. */
export interface RunProgress extends Omit<AgentResult, 'status' | 'transcript'> {
  status: AgentResult['status'] | 'running';
  model: string;
  toolsRunning: string[];
  approvalsWaiting: Array<{ toolUseId: string; name: string; input: unknown }>;
  /** Set by the client (not the query) when the model call waits to be retried: after a 429, say. */
  modelCallWaiting?: ModelCallWait;
}

/** A model call waiting for its next attempt, as the server's pending activity tells it. */
export interface ModelCallWait {
  /** When the next attempt starts (ISO 8601). */
  until: string;
  /** The attempt that will start then. */
  attempt: number;
  /** The last failure's type, such as ClaudeRateLimited. */
  errorType: string;
}

/** Signal that asks a run to stop. */
export const cancelSignal = { type: 'signal', name: 'cancel' } as SignalDefinition<[CancelArgs], 'cancel'>;
/** Query for the run's current progress. */
export const statusQuery = { type: 'query', name: 'status' } as QueryDefinition<RunProgress, [], 'status'>;
/** Update that approves or rejects a tool call waiting for a person. */
export const approveUpdate = { type: 'update', name: 'approve' } as UpdateDefinition<
  string,
  [ApproveArgs],
  'approve'
>;
