// Turns an MCP tool result into the content of a tool_result. Images of a type the Messages API takes are sent
// as image blocks; audio, other images and binary resources are described in text, and structured content is
// sent as JSON when the server gave no text of its own.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { IMAGE_MEDIA_TYPES } from '../shared';
import type { ImageMediaType, ToolResultContent } from '../shared';
import { ToolContent } from '../activities/tool-output';

type Block = CallToolResult['content'][number];

/** What the model gets for a successful MCP tool result: its text, or blocks when it holds images. */
export function mcpResultContent(result: CallToolResult): string | ToolContent {
  const text = mcpResultText(result);
  const content = result.content ?? [];
  if (!content.some(isSendableImage)) return text;
  const blocks: ToolResultContent = content.map((block) =>
    isSendableImage(block)
      ? {
          type: 'image',
          source: { type: 'base64', media_type: block.mimeType as ImageMediaType, data: block.data },
        }
      : { type: 'text', text: blockText(block) },
  );
  if (result.structuredContent !== undefined && !content.some((block) => block.type === 'text'))
    blocks.push({ type: 'text', text: JSON.stringify(result.structuredContent) });
  // The API rejects empty text blocks.
  return new ToolContent(
    blocks.filter((block) => block.type !== 'text' || block.text.trim() !== ''),
    text,
  );
}

function isSendableImage(block: Block): block is Extract<Block, { type: 'image' }> {
  return (
    block.type === 'image' &&
    (IMAGE_MEDIA_TYPES as readonly string[]).includes(block.mimeType) &&
    block.data !== ''
  );
}

/** The text the model sees for an MCP tool result (or, with `isError`, the error it reports). */
export function mcpResultText(result: CallToolResult): string {
  const parts = (result.content ?? []).map(blockText);
  const hasText = (result.content ?? []).some((block) => block.type === 'text');
  // Servers that return structured content should repeat it as text; when one does not, the JSON is the answer.
  if (result.structuredContent !== undefined && !hasText)
    parts.push(JSON.stringify(result.structuredContent));
  const text = parts.join('\n');
  return text === '' ? '(empty result)' : text;
}

function blockText(block: Block): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'image':
    case 'audio':
      return `[${block.type} (${block.mimeType}, ${base64Bytes(block.data)} bytes) returned by the tool; not passed on]`;
    case 'resource_link':
      return `[resource link: ${block.name} ${block.uri}${block.mimeType ? ` (${block.mimeType})` : ''}]`;
    case 'resource': {
      const resource = block.resource;
      if ('text' in resource && typeof resource.text === 'string') return resource.text;
      return `[resource ${resource.uri}${resource.mimeType ? ` (${resource.mimeType})` : ''}: binary, ${base64Bytes(String((resource as { blob?: unknown }).blob ?? ''))} bytes]`;
    }
    default:
      return JSON.stringify(block);
  }
}

function base64Bytes(data: string): number {
  return Buffer.byteLength(data, 'base64');
}
