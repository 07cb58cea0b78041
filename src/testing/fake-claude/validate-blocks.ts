import { reject } from './errors';
import type { JsonObject } from './json';
import { SERVER_RESULT_TYPES } from './provenance';
import { validateImageBlock } from './validate-image';
import {
  at,
  cacheBreakpoint,
  isObject,
  optionalBoolean,
  rejectExtraFields,
  requireObject,
  requireString,
} from './json';

// Block types the real API accepts in requests. Only the ones an agent loop builds itself are checked
// field by field; the rest are server-tool results that the SDK hands back and agents echo unchanged.
const BLOCK_TYPES = [
  'text',
  'image',
  'document',
  'search_result',
  'thinking',
  'redacted_thinking',
  'tool_use',
  'tool_result',
  'server_tool_use',
  ...SERVER_RESULT_TYPES,
  'mcp_tool_use',
  'mcp_tool_result',
  'container_upload',
  'compaction',
];

const TOOL_RESULT_CONTENT_TYPES = [
  'text',
  'image',
  'document',
  'search_result',
  'tool_reference',
  'browser_state',
];

const TOOL_USE_ID = /^[a-zA-Z0-9_-]+$/;

/** Validates one content block of a message with `role`; returns its cache breakpoints. */
export function validateBlock(raw: unknown, role: string, path: string, hasTools: boolean): number {
  const block = requireObject(raw, path);
  const type = block['type'];
  if (type === undefined) reject(path, "Unable to extract tag using discriminator 'type'");
  if (typeof type !== 'string' || !BLOCK_TYPES.includes(type)) {
    reject(path, `Input tag '${String(type)}' found using 'type' does not match any of the expected tags`);
  }
  if (role === 'system' && type !== 'text') reject(at(path, 'type'), "Input should be 'text'");
  if ((type === 'tool_use' || type === 'tool_result') && !hasTools) {
    reject(path, 'Requests which include `tool_use` or `tool_result` blocks must define tools.');
  }
  switch (type) {
    case 'text':
      return validateTextBlock(block, path);
    case 'tool_use':
      if (role !== 'assistant') reject(path, '`tool_use` blocks may only appear in assistant messages');
      validateToolUse(block, path);
      break;
    case 'tool_result':
      if (role !== 'user') reject(path, '`tool_result` blocks may only appear in user messages');
      return validateToolResult(block, path) + cacheBreakpoint(block, path);
    case 'thinking':
      rejectExtraFields(block, ['type', 'thinking', 'signature'], path);
      requireString(block, 'thinking', path);
      requireString(block, 'signature', path);
      break;
    case 'redacted_thinking':
      rejectExtraFields(block, ['type', 'data'], path);
      requireString(block, 'data', path);
      break;
    case 'image':
      return validateImageBlock(block, path);
    case 'document':
      if (block['source'] === undefined) reject(at(path, 'source'), 'Field required');
      requireObject(block['source'], at(path, 'source'));
      break;
  }
  return cacheBreakpoint(block, path);
}

/** Validates a text block (also used for `system`); returns its cache breakpoints. */
export function validateTextBlock(block: JsonObject, path: string): number {
  rejectExtraFields(block, ['type', 'text', 'cache_control', 'citations'], path);
  const text = requireString(block, 'text', path);
  if (text === '') reject(path, 'text content blocks must be non-empty');
  if (text.trim() === '') reject(path, 'text content blocks must contain non-whitespace text');
  return cacheBreakpoint(block, path);
}

function validateToolUse(block: JsonObject, path: string): void {
  rejectExtraFields(block, ['type', 'id', 'name', 'input', 'cache_control', 'caller', 'toolset_name'], path);
  const id = requireString(block, 'id', path);
  if (!TOOL_USE_ID.test(id)) reject(at(path, 'id'), `String should match pattern '${TOOL_USE_ID.source}'`);
  if (requireString(block, 'name', path) === '')
    reject(at(path, 'name'), 'String should have at least 1 character');
  if (block['input'] === undefined) reject(at(path, 'input'), 'Field required');
  if (!isObject(block['input'])) reject(at(path, 'input'), 'Input should be a valid dictionary');
}

/** Returns the cache breakpoints inside the result's own content blocks. */
function validateToolResult(block: JsonObject, path: string): number {
  rejectExtraFields(
    block,
    ['type', 'tool_use_id', 'content', 'is_error', 'cache_control', 'toolset_name'],
    path,
  );
  requireString(block, 'tool_use_id', path);
  optionalBoolean(block, 'is_error', path);
  const content = block['content'];
  if (content === undefined || typeof content === 'string') return 0;
  const contentPath = at(path, 'content');
  if (!Array.isArray(content))
    reject(contentPath, 'Input should be a valid string or a list of content blocks');
  let breakpoints = 0;
  content.forEach((raw, index) => {
    const itemPath = at(contentPath, index);
    const item = requireObject(raw, itemPath);
    const type = item['type'];
    if (typeof type !== 'string' || !TOOL_RESULT_CONTENT_TYPES.includes(type)) {
      reject(
        itemPath,
        `Input tag '${String(type)}' found using 'type' does not match any of the expected tags`,
      );
    }
    if (type === 'text') breakpoints += validateTextBlock(item, itemPath);
    else if (type === 'image') breakpoints += validateImageBlock(item, itemPath);
    else breakpoints += cacheBreakpoint(item, itemPath);
  });
  return breakpoints;
}
