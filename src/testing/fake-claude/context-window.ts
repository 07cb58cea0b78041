// The context window, played like the real API: a per-model window (a `contextWindows` option, or a model named
// `claude-small-context-<N>`), counted the same way for /v1/messages and /v1/messages/count_tokens, with the real
// 400 "prompt is too long: N tokens > M maximum" when a request is over it; and the beta `context_management`
// edits, validated and played minimally (old tool results cleared, a server-side compaction block).
import { reject } from './errors';
import type { JsonObject } from './json';
import { at, isObject, rejectExtraFields, requireObject } from './json';
import { estimateInputTokens } from './reply';
import type { MessagesRequestBody, RequestMessage } from './types';

const SMALL_CONTEXT = /^claude-small-context-(\d+)$/;
const CONTEXT_MANAGEMENT_BETA = 'context-management-2025-06-27';
const COMPACT_BETA = 'compact-2026-01-12';
/** What a cleared tool result says instead of its content. */
export const CLEARED_TOOL_RESULT = '[tool result cleared by context management]';

/** The window of `model`, or undefined when the fake does not limit it. */
export function contextWindowOf(
  model: string,
  windows: Readonly<Record<string, number>> = {},
): number | undefined {
  const given = windows[model];
  if (given !== undefined) return given;
  const match = SMALL_CONTEXT.exec(model);
  return match ? Number(match[1]) : undefined;
}

/** A request as the model sees it once context management has been applied, and what was applied. */
export interface ContextPlay {
  /** The body with edits applied; replies count their usage from it. */
  body: MessagesRequestBody;
  inputTokens: number;
  /** Tokens before any edit. */
  originalInputTokens: number;
  /** The `context_management.applied_edits` of the reply; undefined when the request sent no edits. */
  appliedEdits?: JsonObject[];
  /** A compaction block the reply starts with, when the server compacted. */
  compaction?: JsonObject;
}

/**
 * Applies what the API does to a validated request before the model sees it: content before a compaction
 * block is dropped, context edits are validated and applied, and (for /v1/messages) a request over the model's
 * window is refused with the real 400. Throws an ApiRejection.
 */
export function playContext(
  body: MessagesRequestBody,
  betaHeader: string | string[] | undefined,
  windows: Readonly<Record<string, number>> | undefined,
  endpoint: 'messages' | 'count_tokens',
): ContextPlay {
  const edits = validateContextManagement(body['context_management'], betaHeader);
  let effective: MessagesRequestBody = { ...body, messages: afterCompaction(body.messages) };
  const originalInputTokens = estimateInputTokens(effective);
  let inputTokens = originalInputTokens;
  const applied: JsonObject[] = [];
  let compaction: JsonObject | undefined;
  for (const edit of edits ?? []) {
    if (edit['type'] === 'clear_tool_uses_20250919' && inputTokens >= triggerOf(edit, 100_000)) {
      const keep = isObject(edit['keep']) ? Number(edit['keep']['value']) : 3;
      const { messages, cleared } = clearToolResults(effective.messages, keep);
      if (cleared > 0) {
        effective = { ...effective, messages };
        const after = estimateInputTokens(effective);
        applied.push({
          type: 'clear_tool_uses_20250919',
          cleared_tool_uses: cleared,
          cleared_input_tokens: inputTokens - after,
        });
        inputTokens = after;
      }
    }
    if (
      edit['type'] === 'compact_20260112' &&
      endpoint === 'messages' &&
      inputTokens >= triggerOf(edit, 150_000)
    ) {
      compaction = {
        type: 'compaction',
        content: `fake-claude: summary of ${effective.messages.length - 1} earlier messages`,
        encrypted_content: null,
      };
      const last = effective.messages[effective.messages.length - 1] as RequestMessage;
      effective = { ...effective, messages: [{ role: 'assistant', content: [compaction] }, last] };
      inputTokens = estimateInputTokens(effective);
    }
  }
  const window = contextWindowOf(body.model, windows);
  if (endpoint === 'messages' && window !== undefined && inputTokens > window) {
    reject('', `prompt is too long: ${inputTokens} tokens > ${window} maximum`);
  }
  return {
    body: effective,
    inputTokens,
    originalInputTokens,
    ...(edits ? { appliedEdits: applied } : {}),
    ...(compaction ? { compaction } : {}),
  };
}

// The real API ignores everything before the last compaction block it is sent: the block stands for it.
function afterCompaction(messages: RequestMessage[]): RequestMessage[] {
  for (let i = messages.length - 1; i >= 0; i--) {
    const content = (messages[i] as RequestMessage).content;
    if (typeof content === 'string') continue;
    const at = content.findIndex((block) => block['type'] === 'compaction');
    if (at !== -1) return [{ role: 'assistant', content: content.slice(at) }, ...messages.slice(i + 1)];
  }
  return messages;
}

function clearToolResults(messages: RequestMessage[], keep: number) {
  const total = messages.reduce(
    (n, m) =>
      n + (typeof m.content === 'string' ? 0 : m.content.filter((b) => b['type'] === 'tool_result').length),
    0,
  );
  let toClear = Math.max(0, total - keep);
  const cleared = toClear;
  const out = messages.map((message) => {
    if (typeof message.content === 'string' || toClear === 0) return message;
    return {
      ...message,
      content: message.content.map((block) => {
        if (block['type'] !== 'tool_result' || toClear === 0) return block;
        toClear -= 1;
        return { ...block, content: CLEARED_TOOL_RESULT };
      }),
    };
  });
  return { messages: out, cleared };
}

function triggerOf(edit: JsonObject, fallback: number): number {
  const trigger = edit['trigger'];
  return isObject(trigger) && trigger['type'] === 'input_tokens' ? Number(trigger['value']) : fallback;
}

function hasBeta(header: string | string[] | undefined, beta: string): boolean {
  const flags = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((f) => f.trim());
  return flags.includes(beta);
}

/** Validates `context_management` like the real API; returns its edits, or undefined when it is absent. */
function validateContextManagement(
  raw: unknown,
  betaHeader: string | string[] | undefined,
): JsonObject[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!hasBeta(betaHeader, CONTEXT_MANAGEMENT_BETA)) {
    reject(
      'context_management',
      `Extra inputs are not permitted (it needs the anthropic-beta header ${CONTEXT_MANAGEMENT_BETA})`,
    );
  }
  const value = requireObject(raw, 'context_management');
  rejectExtraFields(value, ['edits'], 'context_management');
  const edits = value['edits'] ?? [];
  if (!Array.isArray(edits)) reject('context_management.edits', 'Input should be a valid list');
  return edits.map((rawEdit, index) => {
    const path = at('context_management.edits', index);
    const edit = requireObject(rawEdit, path);
    switch (edit['type']) {
      case 'clear_tool_uses_20250919':
        rejectExtraFields(
          edit,
          ['type', 'trigger', 'keep', 'clear_at_least', 'clear_tool_inputs', 'exclude_tools'],
          path,
        );
        counter(edit, 'trigger', ['input_tokens', 'tool_uses'], path, 1);
        counter(edit, 'keep', ['tool_uses'], path, 0);
        counter(edit, 'clear_at_least', ['input_tokens'], path, 0);
        return edit;
      case 'clear_thinking_20251015':
        rejectExtraFields(edit, ['type', 'keep'], path);
        return edit;
      case 'compact_20260112':
        if (!hasBeta(betaHeader, COMPACT_BETA)) {
          reject(path, `compact_20260112 needs the anthropic-beta header ${COMPACT_BETA}`);
        }
        rejectExtraFields(edit, ['type', 'trigger', 'instructions', 'pause_after_compaction'], path);
        counter(edit, 'trigger', ['input_tokens'], path, 1);
        return edit;
      default:
        return reject(
          at(path, 'type'),
          `Input tag '${String(edit['type'])}' found using 'type' does not match any of the expected tags: 'clear_tool_uses_20250919', 'clear_thinking_20251015', 'compact_20260112'`,
        );
    }
  });
}

function counter(edit: JsonObject, key: string, types: string[], path: string, min: number): void {
  const raw = edit[key];
  if (raw === undefined || raw === null) return;
  const value = requireObject(raw, at(path, key));
  rejectExtraFields(value, ['type', 'value'], at(path, key));
  if (!types.includes(String(value['type']))) {
    reject(at(at(path, key), 'type'), `Input should be ${types.map((t) => `'${t}'`).join(' or ')}`);
  }
  const n = value['value'];
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) {
    reject(at(at(path, key), 'value'), `Input should be an integer greater than or equal to ${min}`);
  }
}
