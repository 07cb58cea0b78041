import { reject } from './errors';
import type { JsonObject } from './json';
import { at, isObject, rejectExtraFields, requireObject } from './json';
import type { RequestMessage } from './types';
import { validateBlock } from './validate-blocks';

const EMPTY_CONTENT =
  'all messages must have non-empty content except for the optional final assistant message';

/** Validates `messages` (shape, every block, tool_use/tool_result pairing); returns its cache breakpoints. */
export function validateMessages(raw: unknown, hasTools: boolean): number {
  if (raw === undefined) reject('messages', 'Field required');
  if (!Array.isArray(raw)) reject('messages', 'Input should be a valid list');
  if (raw.length === 0) reject('messages', 'at least one message is required');
  let breakpoints = 0;
  const messages = raw.map((message, index) => {
    const result = validateMessage(message, index, index === raw.length - 1, hasTools);
    breakpoints += result.breakpoints;
    return result.message;
  });
  if (messages[0]?.role !== 'user') reject('messages.0.role', 'first message must use the "user" role');
  checkToolPairing(messages);
  return breakpoints;
}

function validateMessage(
  raw: unknown,
  index: number,
  isLast: boolean,
  hasTools: boolean,
): { message: RequestMessage; breakpoints: number } {
  const path = at('messages', index);
  const message = requireObject(raw, path);
  rejectExtraFields(message, ['role', 'content'], path);
  const { role, content } = message;
  if (role === undefined) reject(at(path, 'role'), 'Field required');
  // The SDK's MessageParam includes mid-conversation `system` messages, so the fake accepts them too.
  if (role !== 'user' && role !== 'assistant' && role !== 'system') {
    reject(at(path, 'role'), "Input should be 'user', 'assistant' or 'system'");
  }
  const isPrefill = isLast && role === 'assistant';
  const contentPath = at(path, 'content');
  if (content === undefined) reject(contentPath, 'Field required');
  let breakpoints = 0;
  if (typeof content === 'string') {
    if (content === '' && !isPrefill) reject(path, EMPTY_CONTENT);
    if (content !== '' && content.trim() === '') {
      reject(contentPath, 'text content blocks must contain non-whitespace text');
    }
  } else if (Array.isArray(content)) {
    if (content.length === 0 && !isPrefill) reject(path, EMPTY_CONTENT);
    content.forEach((block, blockIndex) => {
      breakpoints += validateBlock(block, role, at(contentPath, blockIndex), hasTools);
    });
  } else {
    reject(contentPath, 'Input should be a valid string or a list of content blocks');
  }
  if (isPrefill && endsWithWhitespace(content))
    reject(path, 'final assistant content cannot end with trailing whitespace');
  return { message: { role, content: content as RequestMessage['content'] }, breakpoints };
}

function endsWithWhitespace(content: string | unknown[]): boolean {
  const last = typeof content === 'string' ? content : content.at(-1);
  const text =
    typeof last === 'string' ? last : isObject(last) && last['type'] === 'text' ? last['text'] : '';
  return typeof text === 'string' && /\s$/.test(text);
}

function blocksOf(message: RequestMessage | undefined, type: string): JsonObject[] {
  if (!message || typeof message.content === 'string') return [];
  return message.content.filter((block) => block['type'] === type);
}

/**
 * The model only sees tool results that answer the tool calls of the turn right before them, so the real
 * API refuses any other arrangement; agent loops that lose or reorder results fail here first.
 */
function checkToolPairing(messages: RequestMessage[]): void {
  const seenToolUseIds = new Map<string, string>();
  messages.forEach((message, index) => {
    const path = at('messages', index);
    if (typeof message.content === 'string') return;
    let sawOtherBlock = false;
    const resultIds = new Set<string>();
    const previous = messages[index - 1];
    const previousIds = previous?.role === 'assistant' ? idsOf(blocksOf(previous, 'tool_use'), 'id') : [];
    message.content.forEach((block, blockIndex) => {
      const blockPath = at(at(path, 'content'), blockIndex);
      if (block['type'] === 'tool_use') {
        const id = String(block['id']);
        const earlier = seenToolUseIds.get(id);
        if (earlier)
          reject(blockPath, `\`tool_use\` ids must be unique; '${id}' was already used at ${earlier}`);
        seenToolUseIds.set(id, blockPath);
      }
      if (block['type'] !== 'tool_result') {
        sawOtherBlock = true;
        return;
      }
      const id = String(block['tool_use_id']);
      if (sawOtherBlock) {
        reject(blockPath, '`tool_result` blocks must come before any other content in a user message');
      }
      if (resultIds.has(id)) reject(blockPath, `found multiple \`tool_result\` blocks with id: ${id}`);
      resultIds.add(id);
      if (!previousIds.includes(id)) {
        reject(
          blockPath,
          `unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
        );
      }
    });
    if (message.role === 'assistant') checkResultsFollow(messages, index);
  });
}

function checkResultsFollow(messages: RequestMessage[], index: number): void {
  const toolUseIds = idsOf(blocksOf(messages[index], 'tool_use'), 'id');
  if (toolUseIds.length === 0) return;
  const next = messages[index + 1];
  const answered = next?.role === 'user' ? idsOf(blocksOf(next, 'tool_result'), 'tool_use_id') : [];
  const missing = toolUseIds.filter((id) => !answered.includes(id));
  if (missing.length === 0) return;
  reject(
    at('messages', next ? index + 1 : index),
    `\`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
  );
}

function idsOf(blocks: JsonObject[], key: string): string[] {
  return blocks.map((block) => String(block[key]));
}
