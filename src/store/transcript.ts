// The conversation kept out of workflow history. Each message is stored once, as a node that points to the
// node before it, so a model call's activity input carries one reference (the head) instead of the whole
// transcript, and the run's history grows with the new content of each turn, not with its square.
import type { ContentBlock, MessageParam, ToolResultBlock, ToolResultContent } from '../shared';
import { log } from '@temporalio/activity';
import { LRUCache } from 'lru-cache';
import { MessageStoreUnavailableError } from './errors';
import type { MessageStore } from './message-store';

/** Content larger than this (in bytes of JSON) is stored out of line and referenced from history. */
export const OUT_OF_LINE_BYTES = 2048;

/**
 * A tool's result larger than this (in bytes) goes to the store even though it is under OUT_OF_LINE_BYTES. Kept
 * inline, it would be written to history twice: as the tool activity's result and again in the next model
 * call's input. A reference costs about 90 bytes in each place, so only results a few references long stay.
 */
export const TOOL_RESULT_INLINE_BYTES = 256;

/**
 * How much of a tool result goes into history when the store cannot keep it. The tool has done its work, and
 * running it again because its result could not be stored would repeat its effect; so the result goes inline,
 * cut to a size that many results of one turn can share without nearing Temporal's payload limit.
 */
export const INLINE_FALLBACK_BYTES = 16 * 1024;

interface TranscriptNode {
  prev: string | null;
  message: MessageParam;
}

/** Bytes of content the cache of one process holds by default. */
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

/** Content served from the cache marks its stored copy as in use at most this often, for retention. */
const TOUCH_EVERY_MS = 60 * 60 * 1000;

/** Options of `Transcripts`. */
export interface TranscriptsOptions {
  /** Bytes of content the cache may hold (default 64 MiB). */
  cacheBytes?: number;
  /** How often content served from the cache marks its stored copy as used (default hourly). */
  touchEveryMs?: number;
}

interface CacheEntry {
  value: unknown;
  bytes: number;
  touchedAt: number;
}

/**
 * Reads and appends transcripts in a message store, with a cache of the content it has seen, bounded by the
 * bytes it holds (least recently used goes first): a worker with large tool results stays within its budget.
 */
export class Transcripts {
  private readonly cache: LRUCache<string, CacheEntry>;
  private readonly touchEveryMs: number;

  constructor(
    readonly store: MessageStore,
    { cacheBytes = DEFAULT_CACHE_BYTES, touchEveryMs = TOUCH_EVERY_MS }: TranscriptsOptions = {},
  ) {
    this.touchEveryMs = touchEveryMs;
    this.cache = new LRUCache<string, CacheEntry>({
      maxSize: cacheBytes,
      // Content larger than the whole budget is not cached at all, rather than emptying the cache for it.
      maxEntrySize: cacheBytes,
      sizeCalculation: (entry) => Math.max(1, entry.bytes),
    });
  }

  /** Appends messages after `head`; returns the new head (the same head when there is nothing to append). */
  async append(head: string | null, messages: readonly MessageParam[]): Promise<string | null> {
    let current = head;
    for (const message of messages) {
      const node: TranscriptNode = { prev: current, message };
      const bytes = Buffer.from(JSON.stringify(node));
      current = await this.store.put(bytes);
      this.remember(current, node, bytes.length);
    }
    return current;
  }

  /** The messages up to `head`, oldest first, with out-of-line tool results put back in. */
  async load(head: string | null): Promise<MessageParam[]> {
    const messages: MessageParam[] = [];
    for (let ref = head; ref !== null;) {
      const node = await this.json<TranscriptNode>(ref);
      messages.push(node.message);
      ref = node.prev;
    }
    messages.reverse();
    return this.resolveAll(messages);
  }

  /** Messages as a model request needs them: out-of-line tool results put back in (the input is not changed). */
  resolveAll(messages: readonly MessageParam[]): Promise<MessageParam[]> {
    return Promise.all(messages.map((m) => this.resolve(m)));
  }

  /** Stores text larger than `limit` bytes; returns its reference, or undefined when it stays inline. */
  async storeIfLarge(text: string, limit: number = OUT_OF_LINE_BYTES): Promise<string | undefined> {
    if (Buffer.byteLength(text) <= limit) return undefined;
    const bytes = Buffer.from(text);
    const ref = await this.store.put(bytes);
    this.remember(ref, text, bytes.length);
    return ref;
  }

  /**
   * Where a finished tool's result goes: out of line when over TOOL_RESULT_INLINE_BYTES, or, when the store
   * fails, inline (cut to INLINE_FALLBACK_BYTES, saying so). Never throws for the store: the tool must not run
   * again for it.
   */
  async keepResult(text: string): Promise<{ content: string } | { contentRef: string }> {
    try {
      const ref = await this.storeIfLarge(text, TOOL_RESULT_INLINE_BYTES);
      return ref === undefined ? { content: text } : { contentRef: ref };
    } catch (err) {
      if (!(err instanceof MessageStoreUnavailableError)) throw err;
      warn('message store failed; a tool result goes inline instead', { error: err.message });
      if (Buffer.byteLength(text) <= INLINE_FALLBACK_BYTES) return { content: text };
      const cut = Buffer.from(text)
        .subarray(0, INLINE_FALLBACK_BYTES)
        .toString('utf8')
        .replace(/\uFFFD$/, '');
      return {
        content: `${cut}\n[The tool finished, but its result (${Buffer.byteLength(text)} bytes) was cut to its first ${INLINE_FALLBACK_BYTES} bytes: ${err.message}]`,
      };
    }
  }

  /**
   * Where a finished tool's content blocks go: always out of line, since images are large and history must not
   * hold them. When the store fails, `fallback` (the blocks described as text) is kept as keepResult would.
   */
  async keepBlocks(
    blocks: ToolResultContent,
    fallback: string,
  ): Promise<{ content: string } | { contentRef: string; blocks?: true }> {
    try {
      return { contentRef: await this.putJson(blocks), blocks: true };
    } catch (err) {
      if (!(err instanceof MessageStoreUnavailableError)) throw err;
      return this.keepResult(fallback);
    }
  }

  /** Stores any JSON value; returns its reference. */
  async putJson(value: unknown): Promise<string> {
    const bytes = Buffer.from(JSON.stringify(value));
    const ref = await this.store.put(bytes);
    this.remember(ref, value, bytes.length);
    return ref;
  }

  /** A JSON value by reference. */
  async json<T>(ref: string): Promise<T> {
    const cached = await this.cached(ref);
    if (cached) return cached.value as T;
    const bytes = await this.store.get(ref);
    const value = JSON.parse(bytes.toString()) as T;
    this.remember(ref, value, bytes.length);
    return value;
  }

  private async text(ref: string): Promise<string> {
    const cached = await this.cached(ref);
    if (cached) return cached.value as string;
    const bytes = await this.store.get(ref);
    const value = bytes.toString();
    this.remember(ref, value, bytes.length);
    return value;
  }

  // Content read from the cache is still in use: its stored copy is touched now and then, or retention,
  // which sees only the store, would delete the content of a run whose worker never reads it from disk.
  private async cached(ref: string): Promise<CacheEntry | undefined> {
    const entry = this.cache.get(ref);
    if (entry && Date.now() - entry.touchedAt >= this.touchEveryMs) {
      entry.touchedAt = Date.now();
      await this.store.touch?.(ref);
    }
    return entry;
  }

  private async resolve(message: MessageParam): Promise<MessageParam> {
    if (typeof message.content === 'string' || !message.content.some(isStoredResult)) return message;
    const content = await Promise.all(
      message.content.map(async (block): Promise<ContentBlock> => {
        if (!isStoredResult(block)) return block;
        const { content_ref: ref, blocks, ...rest } = block;
        const content = blocks ? await this.json<ToolResultContent>(ref) : await this.text(ref);
        return { ...rest, content };
      }),
    );
    return { ...message, content };
  }

  private remember(ref: string, value: unknown, bytes: number): void {
    this.cache.set(ref, { value, bytes, touchedAt: Date.now() });
  }

  /** Bytes of content the cache holds now. */
  get cachedBytes(): number {
    return this.cache.calculatedSize;
  }
}

function isStoredResult(block: ContentBlock): block is ToolResultBlock & { content_ref: string } {
  return block.type === 'tool_result' && typeof (block as ToolResultBlock).content_ref === 'string';
}

function warn(message: string, meta: Record<string, unknown>): void {
  try {
    log.warn(message, meta);
  } catch {
    // Outside an activity (unit tests, the client) there is no activity logger; the caller still gets the result.
  }
}
