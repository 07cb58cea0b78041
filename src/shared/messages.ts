// JSON-only message types: the subset of the Messages API that crosses the workflow/activity boundary.
// Own types rather than the SDK's so the workflow bundle never pulls in the SDK.

/** A text block. */
export interface TextBlock {
  type: 'text';
  text: string;
}

/** An image, as the Messages API takes it (here only inside a tool_result). */
export interface ImageBlock {
  type: 'image';
  source: { type: 'base64'; media_type: ImageMediaType; data: string };
}

/** The image media types the Messages API accepts. */
export const IMAGE_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;

/** One of IMAGE_MEDIA_TYPES. */
export type ImageMediaType = (typeof IMAGE_MEDIA_TYPES)[number];

/** The blocks a tool_result may carry instead of a string. */
export type ToolResultContent = Array<TextBlock | ImageBlock>;

/** A tool call requested by the model. */
export interface ToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: unknown;
}

/**
 * The answer to one tool call, sent back in the next user turn. Inside a run, a large result carries
 * `content_ref` (its reference in the message store) instead of `content`; it is put back before the
 * request goes to Claude. With `blocks`, the stored content is a JSON ToolResultContent (images are never in
 * history); put back, `content` is then that array.
 */
export interface ToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | ToolResultContent;
  content_ref?: string;
  blocks?: true;
  is_error?: boolean;
}

/** Any other block the API returns (thinking, server tool use, …); passed back untouched. */
export interface OtherBlock {
  type: string;
  [key: string]: unknown;
}

/** One content block. */
export type ContentBlock = TextBlock | ToolUseBlock | ToolResultBlock | OtherBlock;

/** One message of the conversation. */
export interface MessageParam {
  role: 'user' | 'assistant';
  content: string | ContentBlock[];
}

/** Every stop reason the Messages API documents. */
export type StopReason =
  | 'end_turn'
  | 'tool_use'
  | 'max_tokens'
  | 'stop_sequence'
  | 'pause_turn'
  | 'refusal'
  | 'model_context_window_exceeded';

/** Token usage of one model call, in the API's field names. */
export interface ApiUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  /** Requests the API's server tools made during the call; absent when it made none (and in older histories). */
  server_tool_use?: ServerToolUsage;
}

/** Per-call usage of server tools, in the API's field names. */
export interface ServerToolUsage {
  web_search_requests: number;
  web_fetch_requests: number;
}

/** The concatenated text blocks of a content array. */
export function textOf(content: string | ContentBlock[]): string {
  if (typeof content === 'string') return content;
  return content
    .filter((b): b is TextBlock => b.type === 'text' && typeof (b as TextBlock).text === 'string')
    .map((b) => b.text)
    .join('');
}
