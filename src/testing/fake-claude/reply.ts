import { isObject } from './json';
import type { PromptCache } from './prompt-cache';
import type { Provenance } from './provenance';
import type { JsonObject } from './json';
import type { FakeFault, FakeReply, FakeTurn, MessagesRequestBody } from './types';

/** Stop reasons the real API can send. */
const STOP_REASONS = [
  'end_turn',
  'tool_use',
  'max_tokens',
  'stop_sequence',
  'pause_turn',
  'refusal',
  'model_context_window_exceeded',
] as const;

/** The Message JSON the real API returns, in the subset the fake fills in. */
export interface MessageJson {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: JsonObject[];
  stop_reason: string;
  stop_sequence: string | null;
  usage: {
    input_tokens: number;
    output_tokens: number;
    cache_creation_input_tokens: number;
    cache_read_input_tokens: number;
    server_tool_use?: { web_search_requests: number; web_fetch_requests: number };
  };
  /** Set when the request sent context edits: the ones the fake applied. */
  context_management?: { applied_edits: JsonObject[] };
}

/** Hands out ids that stay unique for the life of one server, so conversations never collide. */
export interface IdSource {
  next(prefix: 'msg_fake_' | 'toolu_fake_' | 'srvtoolu_fake_'): string;
}

/** True for turns that are faults rather than replies. */
export function isFault(turn: FakeReply | FakeFault): turn is FakeFault {
  return 'fault' in turn;
}

/**
 * Throws a TypeError for a turn the fake could not serve, so a typo in a script fails at `script()` time
 * instead of as a confusing reply in the middle of a test. Functions are checked when they run.
 */
export function checkTurn(turn: FakeTurn, where: string): void {
  if (typeof turn === 'function') return;
  if (typeof turn !== 'object' || turn === null)
    throw new TypeError(`fake-claude: ${where} must be a reply, a fault or a function`);
  if (isFault(turn)) return checkFault(turn, where);
  // Scripts may come from plain JS or JSON, so check the runtime shape rather than trust the types.
  const content: unknown = turn.content;
  const stopReason: unknown = turn.stopReason;
  if (typeof content !== 'string' && !Array.isArray(content)) {
    throw new TypeError(`fake-claude: ${where}.content must be a string or an array of blocks`);
  }
  if (Array.isArray(content)) {
    content.forEach((block, index) => {
      if (!isObject(block) || typeof block['type'] !== 'string') {
        throw new TypeError(`fake-claude: ${where}.content[${index}] must be an object with a string type`);
      }
      const type = block['type'];
      if (
        (type === 'tool_use' || type === 'server_tool_use') &&
        (typeof block['name'] !== 'string' || !isObject(block['input']))
      ) {
        throw new TypeError(
          `fake-claude: ${where}.content[${index}] ${type} needs a name and an object input`,
        );
      }
    });
  }
  if (stopReason !== undefined && !(STOP_REASONS as readonly unknown[]).includes(stopReason)) {
    throw new TypeError(
      `fake-claude: ${where}.stopReason '${String(stopReason)}' is not one of ${STOP_REASONS.join(', ')}`,
    );
  }
}

function checkFault(fault: FakeFault, where: string): void {
  if (fault.fault === 'status') {
    if (!Number.isInteger(fault.status) || fault.status < 400 || fault.status > 599) {
      throw new TypeError(`fake-claude: ${where}.status must be an HTTP error status (400-599)`);
    }
  } else if (!['drop', 'stream-error', 'stall'].includes(fault.fault)) {
    throw new TypeError(`fake-claude: ${where}.fault '${String((fault as JsonObject)['fault'])}' is unknown`);
  }
}

/** Rough token estimate (4 characters per token), enough for tests that look at usage arithmetic. */
function estimateTokens(...values: unknown[]): number {
  const chars = values.reduce<number>(
    (sum, value) => sum + (value === undefined ? 0 : JSON.stringify(value).length),
    0,
  );
  return Math.max(1, Math.ceil(chars / 4));
}

/** input_tokens the fake reports for a request, for both replies and count_tokens. */
export function estimateInputTokens(body: MessagesRequestBody): number {
  return estimateTokens(body.system, body.tools, body.messages);
}

/** Builds the full Message for a scripted reply, filling in ids, stop reason and usage. */
export function buildMessage(
  reply: FakeReply,
  body: MessagesRequestBody,
  ids: IdSource,
  cache?: PromptCache,
  provenance?: Provenance,
): MessageJson {
  const built: JsonObject[] =
    typeof reply.content === 'string'
      ? [{ type: 'text', text: reply.content }]
      : reply.content.map((block) =>
          block['type'] === 'tool_use' && block['id'] === undefined
            ? { ...block, id: ids.next('toolu_fake_') }
            : { ...block },
        );
  // Signed and remembered, so the request that sends them back can be checked like the real API checks it.
  const content = provenance ? provenance.stamp(built, ids) : built;
  const hasToolUse = content.some((block) => block['type'] === 'tool_use');
  const stopReason =
    reply.stopReason ??
    (hasToolUse ? 'tool_use' : reply.stopSequence !== undefined ? 'stop_sequence' : 'end_turn');
  // A reply cut inside its thinking never got the signature_delta: the block arrives unsigned.
  const last = content[content.length - 1];
  if (stopReason === 'max_tokens' && last?.['type'] === 'thinking')
    content[content.length - 1] = { ...last, signature: '' };
  const cached = cache?.usage(body);
  return {
    id: ids.next('msg_fake_'),
    type: 'message',
    role: 'assistant',
    model: body.model,
    content,
    stop_reason: stopReason,
    stop_sequence: reply.stopSequence ?? null,
    usage: {
      input_tokens: reply.usage?.input_tokens ?? cached?.input_tokens ?? estimateInputTokens(body),
      output_tokens: reply.usage?.output_tokens ?? estimateTokens(content),
      cache_creation_input_tokens:
        reply.usage?.cache_creation_input_tokens ?? cached?.cache_creation_input_tokens ?? 0,
      cache_read_input_tokens: reply.usage?.cache_read_input_tokens ?? cached?.cache_read_input_tokens ?? 0,
      ...serverToolUsage(reply, content),
    },
  };
}

// The real API counts the searches and fetches its server tools made; a script may say otherwise.
function serverToolUsage(
  reply: FakeReply,
  content: JsonObject[],
): Pick<MessageJson['usage'], 'server_tool_use'> {
  const calls = (name: string) =>
    content.filter((block) => block['type'] === 'server_tool_use' && block['name'] === name).length;
  const given = reply.usage?.server_tool_use;
  const searches = given?.web_search_requests ?? calls('web_search');
  const fetches = given?.web_fetch_requests ?? calls('web_fetch');
  if (given === undefined && searches === 0 && fetches === 0) return {};
  return { server_tool_use: { web_search_requests: searches, web_fetch_requests: fetches } };
}
