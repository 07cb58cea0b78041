// How a run keeps its requests inside the model's context window: the plan pinRun resolves from the run input
// (`context`), the API's own context management sent with each call, and what the fitContext activity (count the
// tokens, and when over the threshold replace the oldest turns with a summary made by a model call) takes and
// returns. JSON only; no zod here, so the workflow bundle can import it.
import type { ApiUsage, MessageParam } from './messages';
import type { TranscriptRef } from './result';

/** The run's context settings with defaults applied and the model's window resolved (pinned in the RunPlan). */
export interface ContextPlan {
  /** The model's context window in tokens, from the run input or the built-in table. */
  windowTokens: number;
  /** Whether the runtime replaces the oldest turns with a summary when the request nears the window. */
  compaction: boolean;
  /** Fraction of the window at which the runtime compacts. */
  compactAt: number;
  /** Assistant turns (with their tool results) kept word for word after the first user message and summary. */
  keepLatestTurns: number;
  /** Send the API's `clear_tool_uses_20250919` edit (beta `context-management-2025-06-27`). */
  clearToolResults: boolean;
  /** Send the API's server-side `compact_20260112` edit (beta `compact-2026-01-12`). */
  serverCompaction: boolean;
}

/** The beta that `context_management` needs. */
export const CONTEXT_MANAGEMENT_BETA = 'context-management-2025-06-27';
/** The beta that server-side compaction (`compact_20260112`) needs. */
export const SERVER_COMPACTION_BETA = 'compact-2026-01-12';

/** One edit of the API's `context_management`, in the API's own (snake_case) shape. */
export type ContextEdit =
  | {
      type: 'clear_tool_uses_20250919';
      trigger: { type: 'input_tokens'; value: number };
      keep: { type: 'tool_uses'; value: number };
    }
  | { type: 'compact_20260112'; trigger: { type: 'input_tokens'; value: number } };

/** The API's `context_management` request field. */
export interface ContextManagement {
  edits: ContextEdit[];
}

/** What the fitContext activity is asked: count the request, and compact it when it is over the threshold. */
export interface FitContextInput {
  model: string;
  /** Reference of the run's pinned request (system prompt and tools), counted with the messages. */
  pinned: string;
  /** Head of the transcript as it is sent (the compacted one once the run has compacted). */
  head: string | null;
  /** Messages the next call appends (tool results); counted, never cut. */
  append: MessageParam[];
  /** Compact when the count is at or over this many tokens. */
  thresholdTokens: number;
  /** The model's window; a request that cannot be brought under it fails with ContextWindowExceeded. */
  windowTokens: number;
  keepLatestTurns: number;
  /** Compact whatever the count says (the API has just answered "prompt is too long"). */
  force: boolean;
  /** The head's first message carries the summary of an earlier compaction as its last block. */
  compacted: boolean;
  /** The summary call's max_tokens. */
  summaryMaxTokens: number;
  /** Sent with count_tokens, so the count is the one the model call will see. */
  contextManagement?: ContextManagement;
  /** Beta flags of the run, sent with both calls. */
  betas?: string[];
}

/** What fitContext did: only counted, or compacted (and what the summary call spent). */
export type FitContextOutput =
  | { compacted: false; tokens: number }
  | {
      compacted: true;
      tokensBefore: number;
      tokensAfter: number;
      /** Head of the new transcript to send: first user message with the summary, then the latest turns. */
      head: string | null;
      /** Messages in that transcript. */
      messages: number;
      /** Messages the summary replaced. */
      summarized: number;
      /** Usage of the summary call, counted in the run's usage and cost. */
      usage: ApiUsage;
    };

/** What the run knows of its context, kept in workflow state (and handed on at continue-as-new). */
export interface ContextState {
  /** The window the API reported in a "prompt is too long" answer; wins over the plan's from then on. */
  learnedWindowTokens?: number;
  /** Prompt tokens of the last request and the reply it got (the next request starts from there). */
  lastPromptTokens: number;
  /** What is sent once the run has compacted; `head` of the run state stays the whole conversation. */
  sent?: TranscriptRef;
  times: number;
  tokensBefore: number;
  tokensAfter: number;
  messagesSummarized: number;
  /** "Prompt is too long" answers in a row, so a run that cannot be brought under the window stops. */
  tooLongInARow: number;
}

/** How often and how much a run compacted (the result's `compaction`). */
export interface CompactionReport {
  /** Compactions by the runtime (summary calls). */
  times: number;
  /** Prompt tokens before each compaction, summed. */
  tokensBefore: number;
  /** Prompt tokens after each compaction, summed. */
  tokensAfter: number;
  /** Messages replaced by summaries, summed. */
  messagesSummarized: number;
  /** The window the run compacted against. */
  windowTokens: number;
  /** The window was learned from the API's "prompt is too long" answer. */
  windowLearned: boolean;
  /** The transcript as last sent (first user message, summary, latest turns); `transcript` is the whole one. */
  sent: TranscriptRef | null;
}

/** The summary call's system prompt; it also tells a reader (and a test's fake) which request is a summary. */
export const COMPACTION_SYSTEM_PROMPT =
  'You write the summary that replaces the earlier turns of an agent conversation whose context window is full. ' +
  'The agent continues from your summary alone, so keep every fact, decision, open question, file, identifier ' +
  'and number it still needs, what was tried and what failed; leave out pleasantries and repetition.';

/** Opens the text block that carries the summary inside the first user message of a compacted transcript. */
export const SUMMARY_PREFIX =
  '[The earlier turns of this conversation were replaced by this summary to fit the context window.]\n\n';
