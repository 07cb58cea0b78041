// Unit tests: no workers, no servers. Validation of the run input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAgentInput } from '../../src/shared';

describe('run input validation', () => {
  it('fills in every default', () => {
    const parsed = parseAgentInput({ prompt: 'Hi' });
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.value.limits, {
      maxIterations: 10,
      maxToolCallsPerTurn: 8,
      maxTokens: 8192,
      maxTotalTokens: 150_000,
      maxCostUsd: 1,
      approvalTimeoutSeconds: 86_400,
      historyEventsBeforeContinueAsNew: 10_000,
    });
    assert.equal(parsed.value.model, 'claude-sonnet-4-6');
    assert.equal(parsed.value.parallelToolCalls, true);
    assert.equal(parsed.value.onMaxTokens, 'fail');
    assert.equal(parsed.value.promptCaching, true);
  });

  it('keeps the given limits and defaults the others', () => {
    const parsed = parseAgentInput({ prompt: 'Hi', limits: { maxIterations: 3 } });
    assert.ok(parsed.ok);
    assert.equal(parsed.value.limits.maxIterations, 3);
    assert.equal(parsed.value.limits.maxTokens, 8192);
  });

  it('accepts a conversation instead of a prompt', () => {
    const parsed = parseAgentInput({
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: [{ type: 'text', text: 'Hello' }] },
        { role: 'user', content: 'Order 48810?' },
      ],
    });
    assert.ok(parsed.ok);
  });

  it('lists every problem at once, each with its path', () => {
    const parsed = parseAgentInput({
      prompt: 'Hi',
      messages: [{ role: 'assistant', content: '' }],
      limits: { maxIterations: 0, maxCostUsd: -1, extra: 1 },
      toolChoice: { type: 'sometimes' },
      surprise: true,
    });
    assert.equal(parsed.ok, false);
    const problems = parsed.ok ? [] : parsed.problems;
    const text = problems.join('\n');
    for (const path of [
      'messages.0.content',
      'limits.maxIterations',
      'limits.maxCostUsd',
      'limits: Unrecognized key: "extra"',
      'toolChoice',
      'input: Unrecognized key: "surprise"',
    ]) {
      assert.ok(text.includes(path), `expected a problem at ${path} in:\n${text}`);
    }
  });

  it('needs exactly one of prompt and messages, and a user first', () => {
    const none = parseAgentInput({});
    assert.ok(!none.ok && none.problems.some((p) => p.includes('exactly one of `prompt` or `messages`')));
    const assistantFirst = parseAgentInput({ messages: [{ role: 'assistant', content: 'Hi' }] });
    assert.ok(!assistantFirst.ok && assistantFirst.problems.some((p) => p.includes('messages.0.role')));
    assert.equal(parseAgentInput('just a string').ok, false);
    assert.equal(parseAgentInput(null).ok, false);
  });
});
