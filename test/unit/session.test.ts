// Pure tests of a conversation's input and message handling: no workers, no servers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSessionInput, SessionErrorType } from '../../src/shared';
import type { MessageParam } from '../../src/shared';
import { keepToolResults, withUserContent } from '../../src/workflows/session/messages';
import { checkSend, reasonOf, steerTextOf } from '../../src/workflows/session/person-input';

describe('session input', () => {
  it('{} starts a session with the run defaults and a one-hour idle timeout', () => {
    const parsed = parseSessionInput({});
    assert.ok(parsed.ok);
    assert.equal(parsed.value.session.idleTimeoutSeconds, 3600);
    assert.equal(parsed.value.agent.limits.maxIterations, 10);
    assert.equal('prompt' in parsed.value.agent, false);
  });

  it('names every problem: prompt or messages given, bad session limits, bad run fields', () => {
    const parsed = parseSessionInput({
      prompt: 'hi',
      messages: [],
      session: { idleTimeoutSeconds: 0, maxTotalTokens: 1.5, extra: true },
      limits: { maxIterations: 0 },
    });
    assert.ok(!parsed.ok);
    const text = parsed.problems.join('\n');
    assert.match(text, /prompt: a session takes no prompt/);
    assert.match(text, /messages: a session takes no messages/);
    assert.match(text, /session\.idleTimeoutSeconds/);
    assert.match(text, /session\.maxTotalTokens/);
    assert.match(text, /session: .*extra/);
    assert.match(text, /limits\.maxIterations/);
    assert.deepEqual(parseSessionInput('hello'), {
      ok: false,
      problems: ['input: the session input must be a JSON object ({} starts a session)'],
    });
  });
});

describe('send and steer arguments', () => {
  it('takes text or content blocks', () => {
    assert.deepEqual(checkSend({ text: 'hi' }), [{ type: 'text', text: 'hi' }]);
    assert.deepEqual(checkSend({ content: [{ type: 'text', text: 'a' }] }), [{ type: 'text', text: 'a' }]);
  });

  it('refuses malformed, oversized and tool-pairing messages with InvalidSendArgs', () => {
    for (const args of [
      undefined,
      'text',
      {},
      { text: ' ' },
      { text: 'a', content: [] },
      { content: [] },
      { content: [{ text: 'no type' }] },
      { content: [{ type: 'tool_result', tool_use_id: 'x' }] },
      { content: [{ type: 'text', text: '' }] },
      { text: 'x'.repeat(300_000) },
    ]) {
      assert.throws(
        () => checkSend(args),
        (err: { type?: string }) => err.type === SessionErrorType.InvalidSendArgs,
        JSON.stringify(args)?.slice(0, 60),
      );
    }
  });

  it('keeps only usable steer text, and bounds reasons', () => {
    assert.equal(steerTextOf({ text: 'also Rome' }), 'also Rome');
    assert.equal(steerTextOf({ text: '  ' }), undefined);
    assert.equal(steerTextOf({ text: 42 }), undefined);
    assert.equal(steerTextOf('bare'), undefined);
    assert.equal(reasonOf({}, 'fallback'), 'fallback');
    assert.equal(reasonOf({ reason: 'mine' }, 'fallback'), 'mine');
    assert.equal(reasonOf({ reason: 'x'.repeat(5000) }, 'f').length, 1001);
  });
});

describe('user content joining the waiting messages', () => {
  const results: MessageParam = {
    role: 'user',
    content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'done' }],
  };

  it('goes after the tool results of the waiting user message, in the same message', () => {
    assert.deepEqual(withUserContent([results], [{ type: 'text', text: 'steer' }]), [
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'done' },
          { type: 'text', text: 'steer' },
        ],
      },
    ]);
    assert.deepEqual(
      withUserContent([{ role: 'user', content: 'first' }], [{ type: 'text', text: 'second' }]),
      [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'first' },
            { type: 'text', text: 'second' },
          ],
        },
      ],
    );
  });

  it('starts a user message when nothing waits', () => {
    assert.deepEqual(withUserContent([], [{ type: 'text', text: 'hi' }]), [
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
    ]);
  });

  it('a failed turn keeps the tool results and drops the words', () => {
    const waiting = withUserContent([results], [{ type: 'text', text: 'refused words' }]);
    assert.deepEqual(keepToolResults(waiting), [results]);
    assert.deepEqual(keepToolResults([{ role: 'user', content: 'refused words' }]), []);
  });
});
