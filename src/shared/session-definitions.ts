// The names of a conversation's workflow, update, signals and query: the client, the CLI, the HTTP API and the
// workflow share them. Plain definition objects, so the client does not import @temporalio/workflow.
import type { QueryDefinition, SignalDefinition, UpdateDefinition } from '@temporalio/common';
import type { ContentBlock } from './messages';
import type { AgentResult } from './result';

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
