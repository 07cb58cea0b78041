// The events a run (or a session) streams to its readers: JSON only. Deltas are written by the model-call
// activity as they arrive, tool events by the tool activities, the rest at turn and run boundaries. The stream is
// kept outside workflow history (the message store's directory by default, or Redis), so history does not grow
// with the length of the answer.
import type { ApiUsage, StopReason } from './messages';
import type { AgentResult, ToolCallStatus } from './result';

/** Names of the stream's event types, as SSE `event:` lines carry them. */
export const STREAM_EVENT_TYPES = [
  'text',
  'thinking',
  'tool_input',
  'retry',
  'tool_started',
  'tool_finished',
  'turn_finished',
  'run_finished',
] as const;

/** One of STREAM_EVENT_TYPES. */
export type StreamEventType = (typeof STREAM_EVENT_TYPES)[number];

/**
 * A model call's partial output. `turn` is the model call's number in the run (in a session: in the whole session,
 * so it never repeats), `attempt` the activity attempt that produced it.
 */
export interface ModelDeltaEvent {
  type: 'text' | 'thinking';
  turn: number;
  attempt: number;
  delta: string;
}

/** A tool call's input as the model writes it (partial JSON); `index` is the content block's index. */
export interface ToolInputEvent {
  type: 'tool_input';
  turn: number;
  attempt: number;
  index: number;
  /** Present on the first delta of the block. */
  toolUseId?: string;
  name?: string;
  delta: string;
}

/** A model call started again: readers drop every delta of this `turn` they have shown (the rule that keeps text from appearing twice). */
export interface RetryEvent {
  type: 'retry';
  turn: number;
  attempt: number;
}

/** A tool call's attempt started. */
export interface ToolStartedEvent {
  type: 'tool_started';
  turn: number;
  toolUseId: string;
  name: string;
  attempt: number;
}

/** A tool call ended; a reader keeps the latest per toolUseId (a retried report may come twice). */
export interface ToolFinishedEvent {
  type: 'tool_finished';
  turn: number;
  toolUseId: string;
  name: string;
  status: ToolCallStatus;
  isError: boolean;
}

/** A turn (one model call and the tool calls it asked for) ended. */
export interface TurnFinishedEvent {
  type: 'turn_finished';
  turn: number;
  stopReason: StopReason | null;
  usage: ApiUsage;
}

/** The run ended: its result, or its failure when it failed (then `status` is `failed`). */
export interface RunFinishedEvent {
  type: 'run_finished';
  status: AgentResult['status'] | 'failed' | 'terminated' | 'timed_out';
  text: string;
  result?: AgentResult;
  error?: { type: string; message: string };
  /** In a session: which `send` this ends (1-based). */
  send?: number;
}

/** The `run_finished` event of a result; a session passes the number of the `send` it ends. */
export function runFinishedEvent(result: AgentResult, send?: number): RunFinishedEvent {
  return {
    type: 'run_finished',
    status: result.status,
    text: result.text,
    result,
    ...(send !== undefined ? { send } : {}),
  };
}

/** An event as a writer gives it, before the stream numbers it. */
export type StreamEventBody =
  | ModelDeltaEvent
  | ToolInputEvent
  | RetryEvent
  | ToolStartedEvent
  | ToolFinishedEvent
  | TurnFinishedEvent
  | RunFinishedEvent;

/** An event as readers see it: numbered with the stream's increasing `offset` (the first event is 1). */
export type StreamEvent = StreamEventBody & { offset: number };
