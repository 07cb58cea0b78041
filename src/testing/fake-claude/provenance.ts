// What this fake server itself handed out, so it can check what comes back the way the real API does: thinking
// blocks carry a signature (an HMAC of the thinking text under a secret of this server), redacted thinking an
// authenticated payload, and server tool blocks must come back exactly as they were played.
import { createHmac, randomBytes } from 'node:crypto';
import type { JsonObject } from './json';
import { isObject } from './json';

/** Result block types of the API's server tools, keyed by the `tool_use_id` of their server_tool_use. */
export const SERVER_RESULT_TYPES: readonly string[] = [
  'web_search_tool_result',
  'web_fetch_tool_result',
  'code_execution_tool_result',
  'bash_code_execution_tool_result',
  'text_editor_code_execution_tool_result',
  'tool_search_tool_result',
];

/** Hands out server tool ids for scripted server_tool_use blocks that have none. */
interface ServerIdSource {
  next(prefix: 'srvtoolu_fake_'): string;
}

/** The blocks one fake server played that the API would verify when they are sent back. */
export class Provenance {
  private readonly secret = randomBytes(32);
  private readonly serverBlocks = new Map<string, string>();
  private readonly thinkingOfToolUse = new Map<string, string[]>();

  /** Signs the reply's thinking, fills in server tool ids, and remembers what must come back unchanged. */
  stamp(content: JsonObject[], ids: ServerIdSource): JsonObject[] {
    const stamped = content.map((block) => this.stampBlock(block, ids));
    const thinking = stamped.filter(isThinking).map(canonical);
    for (const block of stamped) {
      const key = serverKey(block);
      if (key) this.serverBlocks.set(key, canonical(block));
      if (block['type'] === 'tool_use' && thinking.length > 0)
        this.thinkingOfToolUse.set(String(block['id']), thinking);
    }
    return stamped;
  }

  /** Whether a thinking block's signature is the one this server gave its text. */
  signed(block: JsonObject): boolean {
    return (
      typeof block['thinking'] === 'string' &&
      block['signature'] === this.mac(`thinking:${block['thinking']}`)
    );
  }

  /** Whether a redacted_thinking block's data is a payload this server produced. */
  sealed(block: JsonObject): boolean {
    const data = block['data'];
    if (typeof data !== 'string') return false;
    const dot = data.lastIndexOf('.');
    return dot > 0 && data.slice(dot + 1) === this.mac(`redacted:${data.slice(0, dot)}`);
  }

  /** The thinking blocks (canonical JSON) of the reply that made this tool call; undefined if it had none. */
  thinkingBefore(toolUseId: string): string[] | undefined {
    return this.thinkingOfToolUse.get(toolUseId);
  }

  /** Whether a server tool block is one this server played, unchanged (cache_control aside). */
  servedUnchanged(block: JsonObject): boolean {
    const key = serverKey(block);
    return key !== undefined && this.serverBlocks.get(key) === canonical(block);
  }

  private stampBlock(block: JsonObject, ids: ServerIdSource): JsonObject {
    switch (block['type']) {
      case 'thinking': {
        const text = typeof block['thinking'] === 'string' ? block['thinking'] : '';
        return { type: 'thinking', thinking: text, signature: this.mac(`thinking:${text}`) };
      }
      case 'redacted_thinking': {
        const payload = Buffer.from(String(block['data'] ?? 'redacted')).toString('base64');
        return { type: 'redacted_thinking', data: `${payload}.${this.mac(`redacted:${payload}`)}` };
      }
      case 'server_tool_use':
        return block['id'] === undefined ? { ...block, id: ids.next('srvtoolu_fake_') } : block;
      default:
        return block;
    }
  }

  private mac(text: string): string {
    return createHmac('sha256', this.secret).update(text).digest('base64');
  }
}

/** Thinking or redacted thinking. */
export function isThinking(block: JsonObject): boolean {
  return block['type'] === 'thinking' || block['type'] === 'redacted_thinking';
}

/** The key a server tool block is remembered under; undefined for other blocks. */
export function serverKey(block: JsonObject): string | undefined {
  if (block['type'] === 'server_tool_use') return `server_tool_use:${String(block['id'])}`;
  if (typeof block['type'] === 'string' && SERVER_RESULT_TYPES.includes(block['type']))
    return `${block['type']}:${String(block['tool_use_id'])}`;
  return undefined;
}

/** JSON with sorted keys and without cache_control, which a client may add to any block it sends back. */
export function canonical(value: unknown): string {
  return JSON.stringify(sorted(value, true));
}

function sorted(value: unknown, top: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => sorted(item, false));
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .filter((key) => !(top && key === 'cache_control'))
      .sort()
      .map((key) => [key, sorted(value[key], false)]),
  );
}
