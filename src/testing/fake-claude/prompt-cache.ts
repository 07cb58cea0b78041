// A model of the Messages API's prompt cache, so tests can see cache reads and writes. The prompt is read as
// a sequence of blocks (tools, then system, then each message's content blocks); a block with cache_control
// is a breakpoint. A breakpoint's prefix is written to the cache; a later request reads the longest cached
// prefix that ends at a breakpoint or up to 20 blocks before it, as the real API's lookback does.
import { createHash } from 'node:crypto';
import type { MessagesRequestBody } from './types';

const LOOKBACK_BLOCKS = 20;

/** Token counts of one request as the cache sees them. */
interface CacheUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/** The cache of one fake server; entries never expire during a test. */
export class PromptCache {
  private readonly entries = new Set<string>();

  /** @param minTokens prefixes shorter than this are not cached (the real minimum is 1024 or more by model). */
  constructor(private readonly minTokens = 1024) {}

  /** Splits a request's input tokens into uncached, cache-written and cache-read, and updates the cache. */
  usage(body: MessagesRequestBody): CacheUsage {
    const blocks = segments(body);
    const keys: string[] = [];
    const tokens: number[] = [];
    let hash = createHash('sha256').update(String(body.model));
    let total = 0;
    for (const block of blocks) {
      hash = createHash('sha256').update(hash.copy().digest('hex')).update(block.json);
      keys.push(hash.copy().digest('hex'));
      total += block.tokens;
      tokens.push(total);
    }
    const breakpoints = blocks.flatMap((b, i) => (b.breakpoint ? [i] : []));
    let read = 0;
    for (const bp of [...breakpoints].reverse()) {
      for (let j = bp; j >= Math.max(0, bp - LOOKBACK_BLOCKS); j--) {
        if (this.entries.has(keys[j] as string)) {
          read = tokens[j] as number;
          break;
        }
      }
      if (read > 0) break;
    }
    const last = breakpoints[breakpoints.length - 1];
    let written = 0;
    for (const bp of breakpoints) {
      if ((tokens[bp] as number) >= this.minTokens) this.entries.add(keys[bp] as string);
    }
    if (last !== undefined && (tokens[last] as number) >= this.minTokens)
      written = Math.max(0, (tokens[last] as number) - read);
    return {
      input_tokens: Math.max(1, total - read - written),
      cache_creation_input_tokens: written,
      cache_read_input_tokens: read,
    };
  }
}

interface Segment {
  json: string;
  tokens: number;
  breakpoint: boolean;
}

function segments(body: MessagesRequestBody): Segment[] {
  const out: Segment[] = [];
  const add = (value: unknown) => {
    const record = (value && typeof value === 'object' ? value : { text: value }) as Record<string, unknown>;
    const { cache_control: cacheControl, ...rest } = record;
    const json = JSON.stringify(rest);
    out.push({ json, tokens: Math.ceil(json.length / 4), breakpoint: cacheControl !== undefined });
  };
  for (const tool of body.tools ?? []) add(tool);
  if (typeof body.system === 'string') add({ type: 'text', text: body.system });
  else for (const block of body.system ?? []) add(block);
  for (const message of body.messages) {
    if (typeof message.content === 'string') add({ role: message.role, type: 'text', text: message.content });
    else for (const block of message.content) add({ role: message.role, ...block });
  }
  return out;
}
