// The usage of one Messages API reply in the contract's shape: the same mapping for the agent's own model calls
// and compaction's summary calls, so both count (and price) a reply's tokens alike.
import type Anthropic from '@anthropic-ai/sdk';
import type { ApiUsage } from '../shared';
import { serverToolUsage } from './server-tools';

/**
 * A reply's usage as `ApiUsage`. The SDK gives null for cache counts the API left out, which count as 0; server
 * tool requests are kept only when the API reported some (a call that declares no server tools never has any).
 */
export function apiUsage(usage: Anthropic.Usage): ApiUsage {
  return {
    input_tokens: usage.input_tokens,
    output_tokens: usage.output_tokens,
    cache_creation_input_tokens: usage.cache_creation_input_tokens ?? 0,
    cache_read_input_tokens: usage.cache_read_input_tokens ?? 0,
    ...serverToolUsage(usage.server_tool_use),
  };
}
