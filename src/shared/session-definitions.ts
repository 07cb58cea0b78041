// The names of a conversation's workflow, update, signals and query: the client, the CLI, the HTTP API and the
// workflow share them. Plain definition objects, so the client does not import @temporalio/workflow.
import type { QueryDefinition, SignalDefinition, UpdateDefinition } from '@temporalio/common';
import type { ContentBlock } from './messages';
import type { AgentResult } from './result';
import type { PinnedRun } from './run-plan';

/** Workflow type of a conversation: one per conversation ID. */
export const SESSION_WORKFLOW_TYPE = 'agentSession';

/** Argument of the `send` update: the user's next message, as text or as content blocks. */
export type SendArgs = { text: string } | { content: ContentBlock[] };

/** Argument of the `steer` signal: a user message added to the turn in progress at its next boundary. */
export interface SteerArgs {
  text: string;
}

/** Argument of the `interrupt` signal. */
export interface InterruptArgs {
  reason?: string;
}

/** Argument of the `end` signal. */
export interface EndArgs {
  reason?: string;
}

/** What a `send` returns when its turn ends: the turn's result, numbered within the session. */
export interface SendResult extends AgentResult {
  /** 1-based number of this send in the session. */
  send: number;
}

/** What the session's `status` query returns. */
export interface SessionStatus {
  state: 'idle' | 'running' | 'ended';
  /** Sends so far (finished or running). */
  sends: number;
  /** Why the session ended (`end` signal, idle timeout, session budget), when it has. */
  endReason?: string;
  model: string;
  usage: AgentResult['usage'];
  costUsd: number;
  /** Tool calls waiting for a person in the turn in progress. */
  approvalsWaiting: Array<{ toolUseId: string; name: string; input: unknown }>;
  toolsRunning: string[];
  transcript: AgentResult['transcript'];
}

/** Update that sends the user's next message and returns the turn's result when it ends. */
export const sendUpdate = { type: 'update', name: 'send' } as UpdateDefinition<
  SendResult,
  [SendArgs],
  'send'
>;
/** Signal that adds a user message to the turn in progress. */
export const steerSignal = { type: 'signal', name: 'steer' } as SignalDefinition<[SteerArgs], 'steer'>;
/** Signal that stops the turn in progress and keeps the session. */
export const interruptSignal = { type: 'signal', name: 'interrupt' } as SignalDefinition<
  [InterruptArgs],
  'interrupt'
>;
/** Signal that closes the session. */
export const endSignal = { type: 'signal', name: 'end' } as SignalDefinition<[EndArgs], 'end'>;
/** Query for the session's state (the `status` name, as for runs). */
export const sessionStatusQuery = { type: 'query', name: 'status' } as QueryDefinition<
  SessionStatus,
  [],
  'status'
>;

/** Argument of the `sendNumber` query. */
export interface SendNumberArgs {
  /** The ID of a `send` update (the one its caller chose, or the client made up). */
  updateId: string;
}
/**
 * Query for the number the session gave a `send` update it accepted, asked of the run that accepted it (a send
 * is answered in the run that took it); null for an update that run did not take. A caller that answers as soon
 * as its send is accepted learns its own number here: `status.sends` may already count later sends.
 */
export const sendNumberQuery = { type: 'query', name: 'sendNumber' } as QueryDefinition<
  number | null,
  [SendNumberArgs],
  'sendNumber'
>;

/** Stable `type`s of a conversation's errors; clients and tests match on them. */
export const SessionErrorType = {
  /** The session input is invalid (the session fails at its start; the first `send` gets this error). */
  InvalidSessionInput: 'InvalidSessionInput',
  /** The session has ended (`end`, idle timeout, session budget): it takes no more messages. */
  SessionEnded: 'SessionEnded',
  /** A `send` (or the client's `steer`) with a malformed or oversized message. */
  InvalidSendArgs: 'InvalidSendArgs',
} as const;

/** What an `agentSession` workflow returns when it closes. */
export interface SessionResult {
  /** Why it closed: the `end` signal's reason, the idle timeout or the session budget. */
  endReason: string;
  sends: number;
  /** Model calls over the whole session. */
  modelCalls: number;
  usage: AgentResult['usage'];
  costUsd: number;
  transcript: AgentResult['transcript'];
}

/** The longest message one `send` or `steer` may carry, as JSON bytes: it is kept in the session's history. */
export const MAX_SEND_BYTES = 256 * 1024;

/** A conversation's limits as pinned at its start (JSON; carried across continue-as-new). */
export interface SessionPlan {
  idleTimeoutMs: number;
  maxTotalTokens?: number;
  maxCostUsd?: number;
}

/** What the pinSession activity returns: the run plan every turn uses, and the session's own limits. */
export interface PinnedSession {
  run: PinnedRun;
  session: SessionPlan;
}
