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

describe('protocol mistakes caught before any model call', () => {
  const problemsOf = (raw: unknown) => {
    const parsed = parseAgentInput(raw);
    assert.equal(parsed.ok, false, 'the input is refused');
    return parsed.ok ? [] : parsed.problems;
  };
  const toolUse = (id: string) => ({ type: 'tool_use', id, name: 'get_order_status', input: {} });
  const toolResult = (id: string) => ({ type: 'tool_result', tool_use_id: id, content: 'ok' });

  it('refuses a tool named twice', () => {
    assert.deepEqual(problemsOf({ prompt: 'Hi', tools: ['a', 'b', 'a'] }), [
      'tools: tool names must be unique; repeated: "a"',
    ]);
  });

  it('refuses a toolChoice naming a tool the run does not have', () => {
    assert.match(
      problemsOf({ prompt: 'Hi', tools: ['a'], toolChoice: { type: 'tool', name: 'b' } }).join('\n'),
      /toolChoice\.name: toolChoice names "b", which is not one of the run's tools/,
    );
    assert.ok(parseAgentInput({ prompt: 'Hi', tools: ['a'], toolChoice: { type: 'tool', name: 'a' } }).ok);
  });

  it('refuses a tool_result that answers no tool_use', () => {
    const problems = problemsOf({
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: [toolUse('toolu_1')] },
        { role: 'user', content: [toolResult('toolu_1'), toolResult('toolu_9')] },
      ],
    });
    assert.deepEqual(problems, [
      'messages.2.content: tool_result for "toolu_9" answers no tool_use of the message before it',
    ]);
  });

  it('refuses a tool_use without its tool_result, and a conversation that ends on one', () => {
    assert.match(
      problemsOf({
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: [toolUse('toolu_1'), toolUse('toolu_2')] },
          { role: 'user', content: [toolResult('toolu_1')] },
        ],
      }).join('\n'),
      /the tool_use "toolu_2" of message 1 has no tool_result in this message/,
    );
    assert.match(
      problemsOf({
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: [{ type: 'text', text: 'Let me look.' }, toolUse('toolu_1')] },
        ],
      }).join('\n'),
      /messages\.1: the conversation ends with the unanswered tool_use "toolu_1"/,
    );
  });

  it('refuses tool_result blocks after other blocks of their message', () => {
    assert.match(
      problemsOf({
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: [toolUse('toolu_1')] },
          { role: 'user', content: [{ type: 'text', text: 'Here:' }, toolResult('toolu_1')] },
        ],
      }).join('\n'),
      /tool_result blocks must come before any other block/,
    );
  });

  it('accepts a conversation whose tool calls are all answered', () => {
    const parsed = parseAgentInput({
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: [toolUse('toolu_1')] },
        { role: 'user', content: [toolResult('toolu_1'), { type: 'text', text: 'And?' }] },
      ],
    });
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.problems.join('\n'));
  });

  it('keeps the failure readable for 10,000 tools, and refuses a repeated name fast', () => {
    const many = Array.from({ length: 10_000 }, () => 'same_tool');
    const problems = problemsOf({ prompt: 'Hi', tools: many, model: 'm'.repeat(10_000) });
    assert.ok(problems.join('\n').length < 2_000, `message of ${problems.join('\n').length} characters`);
    const bad = Array.from({ length: 10_000 }, (_, i) => ({ role: 'user', content: i % 2 ? '' : 'x' }));
    const listed = problemsOf({ messages: bad });
    assert.equal(listed.length, 21);
    assert.match(listed.at(-1) ?? '', /^… and 4980 more problems$/);
  });

  it('refuses a model name longer than a search attribute can hold', () => {
    assert.match(problemsOf({ prompt: 'Hi', model: 'm'.repeat(300) }).join('\n'), /^model: /);
  });
});

describe('toolChoice and MCP servers named whole', () => {
  it('accepts forcing a tool of an MCP server the run names as mcp__<server>', () => {
    const parsed = parseAgentInput({
      prompt: 'Hi',
      tools: ['mcp__files'],
      toolChoice: { type: 'tool', name: 'mcp__files__read_file' },
    });
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.problems.join('\n'));
  });

  it('still refuses a tool of another server, or one only sharing the prefix', () => {
    for (const name of ['mcp__other__read_file', 'mcp__filesystem__read_file']) {
      const parsed = parseAgentInput({
        prompt: 'Hi',
        tools: ['mcp__files'],
        toolChoice: { type: 'tool', name },
      });
      assert.equal(parsed.ok, false, name);
    }
  });
});
