// Unit tests: no workers, no servers. What the loop does with each stop_reason.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideStop } from '../../src/workflows/stop-reason';
import type { StopContext } from '../../src/workflows/stop-reason';

const ctx: StopContext = { maxTokens: 8192, inputTokens: 1234, onMaxTokens: 'fail', hasToolUse: false };

describe('stop-reason policy', () => {
  it('runs tools on tool_use, finishes on end_turn and stop_sequence, resends on pause_turn', () => {
    assert.equal(decideStop('tool_use', { ...ctx, hasToolUse: true }).kind, 'run_tools');
    assert.equal(decideStop('end_turn', ctx).kind, 'finish');
    assert.equal(decideStop('stop_sequence', ctx).kind, 'finish');
    assert.equal(decideStop('pause_turn', ctx).kind, 'resend');
    assert.equal(decideStop('refusal', ctx).kind, 'refused');
  });

  it('fails with ToolUseWithoutToolCall when tool_use comes with no tool_use block', () => {
    const action = decideStop('tool_use', ctx);
    assert.equal(action.kind === 'fail' && action.errorType, 'ToolUseWithoutToolCall');
    assert.match(action.kind === 'fail' ? action.message : '', /no tool_use block/);
  });

  it('never accepts max_tokens silently: it fails naming the limit', () => {
    const action = decideStop('max_tokens', ctx);
    assert.equal(action.kind, 'fail');
    assert.equal(action.kind === 'fail' && action.errorType, 'MaxTokensReached');
    assert.match(action.kind === 'fail' ? action.message : '', /max_tokens \(8192 tokens\)/);
  });

  it('continues after max_tokens only when asked and when no tool call was cut', () => {
    assert.equal(
      decideStop('max_tokens', { ...ctx, onMaxTokens: 'continue' }).kind,
      'continue_after_max_tokens',
    );
    const cut = decideStop('max_tokens', { ...ctx, onMaxTokens: 'continue', hasToolUse: true });
    assert.equal(cut.kind, 'fail');
    assert.match(cut.kind === 'fail' ? cut.message : '', /cut inside a tool call/);
  });

  it('fails on a full context window, saying how large the context was', () => {
    const action = decideStop('model_context_window_exceeded', ctx);
    assert.equal(action.kind === 'fail' && action.errorType, 'ContextWindowExceeded');
    assert.match(action.kind === 'fail' ? action.message : '', /1234 input tokens/);
  });

  it('fails on a stop reason it does not know, or none', () => {
    assert.equal(decideStop('something_new', ctx).kind, 'fail');
    assert.equal(decideStop(null, ctx).kind, 'fail');
  });
});
