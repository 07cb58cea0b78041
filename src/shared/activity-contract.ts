// What the workflow and the model-call and store activities pass each other: JSON only, recorded in history.
// (The tool activities' shapes are in ./tools, pinRun's in ./run-plan.) Workflow code imports this file by its
// own path; its imports are type-only, so it brings neither zod nor the price table into the workflow bundle.
import type { ContextManagement } from './context';
import type { ApiUsage, MessageParam, StopReason, ToolUseBlock } from './messages';
import type { OutputCheck } from './output';
import type { ToolCallRecord } from './result';
import type { ToolChoice } from './run-plan';
import type { RequestParams } from './request-params';
import type { StreamEventBody } from './stream-events';

/** One model call, as the workflow asks for it: references, not the transcript itself. */
export interface CallClaudeInput {
  model: string;
  maxTokens: number;
  /** Reference of the run's pinned request (system prompt and tools), stored by pinRun. */
  pinned: string;
  /** Head of the stored transcript before this call. */
  head: string | null;
  /** Messages to add to the transcript before the call (the prompt, tool results). */
  append: MessageParam[];
  toolChoice?: ToolChoice;
  /** Absent: the model may ask for several tools at once (left out of history when it may). */
  disableParallelToolUse?: boolean;
  /** Place prompt-cache breakpoints on the tools, the system prompt and the end of the conversation. */
  promptCaching: boolean;
  /** The run's sampling and request settings, sent as they are. */
  requestParams?: RequestParams;
  /**
   * Set once the run has compacted (`head` is then the compacted transcript): the head of the whole
   * conversation, which gets the same appended messages and reply, so it stays whole for audit.
   */
  fullHead?: string | null;
  /** The API's context management (clearing old tool results, server-side compaction), sent as it is. */
  contextManagement?: ContextManagement;
  /** The model call's number in the run, for its stream events (absent in calls scheduled by older versions). */
  turn?: number;
  /** Stream events the workflow has to publish (the previous turn's end), written before the model's output. */
  events?: StreamEventBody[];
}

/** What the loop needs of the model's reply; the reply itself is in the transcript. */
export interface CallClaudeOutput {
  id: string;
  /** Head of the transcript with the appended messages and the reply. */
  head: string | null;
  /** How many messages the transcript gained. */
  appended: number;
  stopReason: StopReason | null;
  /** Which of the run's stop sequences ended the reply (absent from replies recorded by older versions). */
  stopSequence?: string | null;
  usage: ApiUsage;
  /** The reply's text blocks, joined (absent when the reply has none: most tool turns). */
  text?: string;
  toolUses: ToolUseBlock[];
  /** For a run with an output schema: the answer this reply holds, checked against it (absent: no answer). */
  outputCheck?: OutputCheck;
  /** The whole conversation's new head, when the input had `fullHead`. */
  fullHead?: string | null;
}

/** The appendTranscript activity's input: messages to add after a stored transcript's head. */
export interface AppendTranscriptInput {
  head: string | null;
  append: MessageParam[];
}

/** One batch of the tool-call ledger kept in the message store (the storeToolCalls activity's input). */
export interface LedgerBatch {
  /** The batch before this one, or null for the first. */
  prev: string | null;
  calls: ToolCallRecord[];
}
