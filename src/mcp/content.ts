// Turns an MCP tool result into the text of a tool_result. A run's tool_result content is a string today
// (src/shared/messages.ts), so images and audio are described rather than sent, and structured content is
// sent as JSON when the server gave no text of its own.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

type Block = CallToolResult['content'][number];

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
      return `[${block.type} (${block.mimeType}, ${base64Bytes(block.data)} bytes) returned by the tool; only its text is passed on]`;
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
