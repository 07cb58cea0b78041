// What a person sends a conversation (the send update, the steer and interrupt signals) is checked and bounded
// here before the session keeps any of it: it becomes part of the next model request and of history, so a
// malformed or oversized message would otherwise fail a later model call or workflow task, and the session.
import { ApplicationFailure } from '@temporalio/workflow';
import type { ContentBlock } from '../../shared/messages';
import { MAX_SEND_BYTES, SessionErrorType } from '../../shared/session-definitions';
import { jsonBytes } from '../payload-guard';
import { cancelReasonOf } from '../person-input';

/** The most content blocks one send may carry. */
const MAX_SEND_BLOCKS = 100;

// The session pairs tool calls with their results itself; a person's message carrying either would break the
// pairing the API checks, and every later turn with it.
const SESSION_OWNED_BLOCKS = ['tool_use', 'tool_result', 'server_tool_use'];

/**
 * The send update's argument as content blocks; throws InvalidSendArgs (the validator turns the update away, so
 * nothing reaches history) with a message saying what to send instead.
 */
export function checkSend(args: unknown): ContentBlock[] {
  const given = (typeof args === 'object' && args !== null ? args : {}) as Record<string, unknown>;
  const { text, content } = given;
  if ((text === undefined) === (content === undefined))
    throw badSend('send takes { text: string } or { content: ContentBlock[] }, exactly one of them.');
  const bytes = jsonBytes(args);
  if (bytes > MAX_SEND_BYTES)
    throw badSend(
      `the message is ${bytes} bytes; at most ${MAX_SEND_BYTES} fit in one send. Give large documents to the agent through a tool.`,
    );
  if (text !== undefined) {
    if (typeof text !== 'string' || text.trim() === '')
      throw badSend('send: text must be a string with something other than whitespace.');
    return [{ type: 'text', text }];
  }
  if (!Array.isArray(content) || content.length === 0 || content.length > MAX_SEND_BLOCKS)
    throw badSend(`send: content must be a list of 1 to ${MAX_SEND_BLOCKS} content blocks.`);
  content.forEach((block: unknown, i) => {
    const b = (typeof block === 'object' && block !== null ? block : {}) as Record<string, unknown>;
    if (typeof b.type !== 'string' || b.type === '')
      throw badSend(`send: content.${i} is not a content block (an object with a "type").`);
    if (SESSION_OWNED_BLOCKS.includes(b.type))
      throw badSend(
        `send: content.${i} is a ${b.type} block; the session pairs tool calls and results itself, send text or images.`,
      );
    if (b.type === 'text' && (typeof b.text !== 'string' || b.text.trim() === ''))
      throw badSend(`send: content.${i}.text must be a string with something other than whitespace.`);
  });
  return content as ContentBlock[];
}

/**
 * The steer signal's text, or undefined when it cannot be used. A signal cannot be refused, so a malformed or
 * oversized steer is dropped (the caller logs it); the client checks it first and says why.
 */
export function steerTextOf(args: unknown): string | undefined {
  const text = typeof args === 'object' && args !== null ? (args as { text?: unknown }).text : undefined;
  if (typeof text !== 'string' || text.trim() === '' || jsonBytes(text) > MAX_SEND_BYTES) return undefined;
  return text;
}

/** The interrupt or end signal's reason as bounded text (as the cancel signal's), or this default. */
export function reasonOf(args: unknown, fallback: string): string {
  const raw = typeof args === 'object' && args !== null ? (args as { reason?: unknown }).reason : args;
  return raw === undefined || raw === null || raw === '' ? fallback : cancelReasonOf({ reason: raw });
}

function badSend(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: SessionErrorType.InvalidSendArgs, nonRetryable: true, message });
}
