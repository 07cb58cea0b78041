import type { CompactionReport } from './context';
import type { StopReason } from './messages';
import type { ToolEffect } from './tools';

/** Final status of a run, decided from what happened, never from the model's wording. */
export type RunStatus =
  'completed' | 'iteration_limit' | 'budget_exceeded' | 'refused' | 'cancelled' | 'needs_attention';

/** Outcome of one tool call in the ledger. */
export type ToolCallStatus =
  | 'succeeded'
  | 'failed'
  | 'invalid_input'
  | 'unknown_tool'
  | 'timed_out'
  | 'outcome_unknown'
  | 'rejected'
  | 'cancelled'
  | 'skipped';

/** One entry of the run's tool-call ledger. */
export interface ToolCallRecord {
  toolUseId: string;
  name: string;
  /** The tool's declared effect; absent when the model named a tool the run does not have. */
  effect?: ToolEffect;
  input: unknown;
  status: ToolCallStatus;
  attempts: number;
  durationMs: number;
  /** The outcome was learned from the tool's `reconcile` after an attempt was lost. */
  reconciled?: boolean;
  error?: { type: string; message: string };
  /** For a sub-agent call: the child run it started, how it ended, and what it spent (in the run's usage too). */
  child?: ChildRunRecord;
}

/** A sub-agent call's child run as the parent's ledger shows it. */
export interface ChildRunRecord {
  workflowId: string;
  /** The child's own status, or `failed` when the child workflow failed and returned no result. */
  status: RunStatus | 'failed';
  usage: Usage;
  costUsd: number;
}

/** How many of a result's tool calls are kept in it (and in history); the rest are in the message store. */
export const RECENT_TOOL_CALLS = 50;

/** Tool calls counted by how they ended. */
export interface ToolCallCounts {
  total: number;
  byStatus: Partial<Record<ToolCallStatus, number>>;
}

/** How many tool calls a run (or its progress so far) made, also for results from before the counts. */
export function toolCallTotal(run: Pick<AgentResult, 'toolCalls' | 'toolCallCounts'>): number {
  return run.toolCallCounts?.total ?? run.toolCalls.length;
}

/** Tokens spent by a run, summed over its model calls. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
  /** Web searches the API's server tool made (priced per search); absent while there were none. */
  webSearchRequests?: number;
  /** Web fetches the API's server tool made (no charge but their tokens); absent while there were none. */
  webFetchRequests?: number;
}

/** What `agentRun` returns. */
export interface AgentResult {
  status: RunStatus;
  text: string;
  stopReason: StopReason | null;
  /** Which of the run's stop sequences ended the last reply, when one did. */
  stopSequence?: string | null;
  iterations: number;
  usage: Usage;
  costUsd: number;
  /** The latest tool calls, at most RECENT_TOOL_CALLS of them; the whole ledger is in the message store. */
  toolCalls: ToolCallRecord[];
  /** Every tool call of the run, counted by status (absent from results of older versions). */
  toolCallCounts?: ToolCallCounts;
  /** Reference of the whole ledger in the message store; `loadToolCalls` reads it. Null when it is empty. */
  toolCallLedger?: string | null;
  /** The run's structured output, validated against its `output.schema`; present once the model gave a valid one. */
  output?: unknown;
  /** Why the run stopped short, when it did (budget or limit reached). */
  reason?: string;
  /** The conversation, kept out of history in the message store; `loadTranscript` reads it. */
  transcript: TranscriptRef;
  /** How often and how much the run compacted its context (absent when it never did). */
  compaction?: CompactionReport;
}

/** Where a run's conversation is stored: the head of its message chain, and how many messages it has. */
export interface TranscriptRef {
  head: string | null;
  messages: number;
}

/** Usage with every counter at zero. */
export const ZERO_USAGE: Usage = {
  inputTokens: 0,
  outputTokens: 0,
  cacheReadInputTokens: 0,
  cacheCreationInputTokens: 0,
};
