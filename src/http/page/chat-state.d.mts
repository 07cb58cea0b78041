// Types of chat-state.mjs, for the tests that run it in node; the browser loads the .mjs as it is.
import type { StreamEvent } from '../../shared/stream-events';

/** One line of the conversation as the page shows it. */
export type ChatItem =
  | { kind: 'user'; key: string; text: string; afterOffset: number }
  | {
      kind: 'assistant';
      key: string;
      turn: number;
      attempt: number;
      text: string;
      thinking: string;
      done: boolean;
      retried?: number;
    }
  | {
      kind: 'tool';
      key: string;
      toolUseId: string;
      name: string;
      status: string;
      isError: boolean;
      waiting: boolean;
      decided: 'approved' | 'rejected' | undefined;
      input: unknown;
      attempt?: number;
    }
  | { kind: 'notice'; key: string; status: string; text: string };

/** The page's state. */
export interface ChatState {
  items: ChatItem[];
  lastOffset: number;
  running: boolean;
  ended: boolean;
  queuedUsers: Array<{ text: string; afterOffset: number }>;
}

/** A new, empty conversation. */
export function initialState(): ChatState;
/** The user's messages, to store across a reload. */
export function userMessages(state: ChatState): Array<{ text: string; afterOffset: number }>;
/** Puts stored user messages back where the stream stood when each was sent. */
export function restoreUserMessages(
  state: ChatState,
  messages: Array<{ text: string; afterOffset: number }>,
): ChatState;
/** The user's message, shown at once. */
export function addUserMessage(state: ChatState, text: string): ChatState;
/** Applies one stream event; whether it changed anything. */
export function applyEvent(state: ChatState, event: StreamEvent): boolean;
/** The calls waiting for a person, from GET /sessions/:id. */
export function setApprovals(
  state: ChatState,
  waiting: Array<{ toolUseId: string; name: string; input: unknown }>,
): boolean;
/** A person decided a waiting call. */
export function decide(state: ChatState, toolUseId: string, approved: boolean): boolean;
/** Complete SSE events in the text so far, and the unfinished rest. */
export function parseSse(buffer: string): {
  events: Array<{ type: string; id: string | undefined; data: unknown }>;
  rest: string;
};
