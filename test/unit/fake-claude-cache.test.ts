// Unit tests: no workers, no servers. The fake Claude's model of the prompt cache.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PromptCache } from '../../src/testing/fake-claude/prompt-cache';
import type { MessagesRequestBody } from '../../src/testing/fake-claude/types';

const big = 'x'.repeat(20_000);
const cc = { cache_control: { type: 'ephemeral' } };

function request(turns: number, breakpoint = true): MessagesRequestBody {
  const messages: MessagesRequestBody['messages'] = [];
  for (let i = 0; i < turns; i++) {
    messages.push({ role: 'user', content: [{ type: 'text', text: `${i}${big}` }] });
    if (i < turns - 1) messages.push({ role: 'assistant', content: [{ type: 'text', text: `answer ${i}` }] });
  }
  const last = messages[messages.length - 1]?.content as Array<Record<string, unknown>>;
  if (breakpoint) last[last.length - 1] = { ...last[last.length - 1], ...cc };
  return { model: 'claude-sonnet-4-6', max_tokens: 10, messages };
}

describe('fake prompt cache', () => {
  it('writes the prefix up to a breakpoint, then reads it on the next turn', () => {
    const cache = new PromptCache();
    const first = cache.usage(request(1));
    assert.equal(first.cache_read_input_tokens, 0);
    assert.ok(first.cache_creation_input_tokens > 4000);
    const second = cache.usage(request(2));
    assert.equal(second.cache_read_input_tokens, first.cache_creation_input_tokens);
    assert.ok(second.cache_creation_input_tokens > 4000, 'the new turn is written');
    assert.ok(second.input_tokens < 100);
  });

  it('caches nothing without breakpoints or below the minimum length', () => {
    const cache = new PromptCache();
    assert.deepEqual(
      [cache.usage(request(1, false)), cache.usage(request(1, false))].map(
        (u) => u.cache_read_input_tokens + u.cache_creation_input_tokens,
      ),
      [0, 0],
    );
    const small = new PromptCache(1_000_000).usage(request(1));
    assert.equal(small.cache_creation_input_tokens, 0);
  });

  it('misses when the prefix changed', () => {
    const cache = new PromptCache();
    cache.usage(request(1));
    const changed = request(1);
    (changed.messages[0]?.content as Array<Record<string, unknown>>)[0] = {
      type: 'text',
      text: `changed${big}`,
      ...cc,
    };
    assert.equal(cache.usage(changed).cache_read_input_tokens, 0);
  });
});
