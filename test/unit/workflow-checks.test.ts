// Unit tests: no workers, no servers. What the workflow does with values that come from outside it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import type { CallClaudeOutput } from '../../src/shared';
import { parseAgentInput } from '../../src/shared';
import { checkPinned, checkReply, checkToolOutput, MAX_TOKENS_PER_CALL } from '../../src/workflows/checks';

const reply = (usage: unknown): CallClaudeOutput =>
  ({
    id: 'msg_1',
    head: 'sha256:aa',
    appended: 2,
    stopReason: 'end_turn',
    text: 'Hi',
    toolUses: [],
    usage,
  }) as never;

const failureType = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof ApplicationFailure ? err.type : String(err);
  }
  return undefined;
};

describe('model reply usage', () => {
  it('keeps usage that is a token count', () => {
    const usage = {
      input_tokens: 10,
      output_tokens: 5,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 3,
    };
    const { reply: checked, fixed } = checkReply(reply(usage));
    assert.deepEqual(checked.usage, usage);
    assert.deepEqual(fixed, []);
  });

  it('makes missing, null, negative, string, fractional and huge counts safe, saying which', () => {
    const { reply: checked, fixed } = checkReply(
      reply({
        input_tokens: -5,
        output_tokens: 'lots',
        cache_creation_input_tokens: null,
        cache_read_input_tokens: 1e300,
      }),
    );
    assert.deepEqual(checked.usage, {
      input_tokens: 0,
      output_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: MAX_TOKENS_PER_CALL,
    });
    assert.equal(fixed.length, 4);
    assert.match(fixed.join('\n'), /output_tokens: "lots" → 0/);
    for (const usage of [undefined, null, 'many']) {
      assert.deepEqual(Object.values(checkReply(reply(usage)).reply.usage), [0, 0, 0, 0]);
    }
    assert.equal(checkReply(reply({ input_tokens: 2.6, output_tokens: NaN })).reply.usage.input_tokens, 3);
  });
});

describe('activity results', () => {
  it('fails with InvalidActivityResult, not a workflow task failure, on a malformed reply', () => {
    assert.equal(
      failureType(() => checkReply(null)),
      'InvalidActivityResult',
    );
    assert.equal(
      failureType(() => checkReply({ ...reply({}), toolUses: [{ id: 7 }] })),
      'InvalidActivityResult',
    );
    assert.equal(
      failureType(() => checkReply({ ...reply({}), head: 5 })),
      'InvalidActivityResult',
    );
  });

  it('fails with InvalidActivityResult on a pinRun result without a usable plan', () => {
    const good = {
      plan: {
        model: 'claude-sonnet-4-6',
        limits: { maxIterations: 10 },
        pricing: { inputPerMTok: 3 },
        parallelToolCalls: true,
        onMaxTokens: 'fail',
        promptCaching: true,
      },
      tools: [
        {
          name: 't',
          effect: 'read',
          timeoutMs: 1000,
          maxAttempts: 3,
          needsApproval: false,
          reconcilable: false,
          schemaHash: 'h',
        },
      ],
      pinned: 'sha256:bb',
      head: 'sha256:cc',
      messages: 1,
    };
    assert.equal(checkPinned(good), good);
    for (const bad of [
      { ...good, plan: { ...good.plan, model: 'm'.repeat(5000) } },
      { ...good, plan: { ...good.plan, limits: { maxIterations: 'ten' } } },
      { ...good, tools: [{ name: 't', effect: 'maybe' }] },
      { ...good, messages: -1 },
      'nothing',
    ]) {
      assert.equal(
        failureType(() => checkPinned(bad)),
        'InvalidActivityResult',
      );
    }
  });
});

describe('tool call results', () => {
  it('keeps a result of the wrong shape as text rather than failing a call that took effect', () => {
    assert.deepEqual(checkToolOutput({ content: 'ok', bytes: 2, attempt: 2 }), { content: 'ok', attempt: 2 });
    assert.deepEqual(checkToolOutput({ contentRef: 'sha256:dd', attempt: 1 }), {
      contentRef: 'sha256:dd',
      attempt: 1,
    });
    assert.deepEqual(checkToolOutput({ content: { sent: 5 }, attempt: 'two' }), {
      content: '{"sent":5}',
      attempt: 1,
    });
    assert.deepEqual(checkToolOutput(null), { content: '', attempt: 1 });
  });
});

describe('run input bounds', () => {
  it('refuses a model name of thousands of characters, which no search attribute can hold', () => {
    const parsed = parseAgentInput({ prompt: 'Hi', model: 'claude-'.repeat(1000) });
    assert.ok(!parsed.ok && parsed.problems.some((p) => p.startsWith('model:')));
  });
});
