// Unit tests: no workers, no servers. How each way a tool call ends is written for the model and the ledger.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/common';
import type { ToolSpec } from '../../src/shared';
import {
  failedOutcome,
  overCapOutcome,
  reconciledOutcome,
  successOutcome,
  toolResult,
  unknownToolOutcome,
} from '../../src/workflows/tool-results';
import { checkToolOutput } from '../../src/workflows/checks';

const spec = (effect: ToolSpec['effect']): ToolSpec => ({
  name: 'charge_card',
  description: 'Charge a card.',
  inputSchema: { type: 'object' },
  effect,
  timeoutMs: 2000,
  maxAttempts: effect === 'unsafe' ? 1 : 3,
  needsApproval: false,
  reconcilable: false,
  schemaHash: 'abc',
});

const activityFailure = (
  cause: Error,
  retryState: 'MAXIMUM_ATTEMPTS_REACHED' | 'NON_RETRYABLE_FAILURE' | 'TIMEOUT',
) => new ActivityFailure('activity failed', 'runTool', '1', retryState, 'worker', cause);

describe('tool results written by the runtime', () => {
  it('marks a result of stored content blocks, so they are put back as blocks', () => {
    const call = { type: 'tool_use' as const, id: 'toolu_1', name: 'chart', input: {} };
    const checked = checkToolOutput({ contentRef: 'ref-1', blocks: true, bytes: 9, attempt: 1 });
    const { block } = toolResult(call, successOutcome(checked, checked.attempt), 3);
    assert.deepEqual(block, {
      type: 'tool_result',
      tool_use_id: 'toolu_1',
      content_ref: 'ref-1',
      blocks: true,
    });
    const text = checkToolOutput({ contentRef: 'ref-2', bytes: 9, attempt: 1 });
    assert.equal(toolResult(call, successOutcome(text, 1), 3).block.blocks, undefined);
  });

  it("keeps a reconciled call's stored answer by reference", () => {
    const call = { type: 'tool_use' as const, id: 'toolu_7', name: 'charge_card', input: {} };
    const outcome = reconciledOutcome('charge_card', { happened: true, contentRef: 'sha256:ab' });
    assert.deepEqual(toolResult(call, outcome, 0).block, {
      type: 'tool_result',
      tool_use_id: 'toolu_7',
      content_ref: 'sha256:ab',
    });
    const inline = reconciledOutcome('charge_card', { happened: true, content: 'charged' });
    assert.equal(toolResult(call, inline, 0).block.content, 'charged');
  });

  it('sets is_error and keeps the tool_use id on failures only', () => {
    const call = { type: 'tool_use' as const, id: 'toolu_1', name: 'charge_card', input: { cents: 5 } };
    const ok = toolResult(
      call,
      { status: 'succeeded', content: '{"ok":true}', attempts: 1 },
      12,
      spec('read'),
    );
    assert.deepEqual(ok.block, { type: 'tool_result', tool_use_id: 'toolu_1', content: '{"ok":true}' });
    assert.equal(ok.record.effect, 'read');
    const bad = toolResult(call, unknownToolOutcome('charge_card', ['a']), 0);
    assert.equal(bad.block.is_error, true);
    assert.equal(bad.record.status, 'unknown_tool');
    assert.equal(bad.record.effect, undefined);
  });

  it('reports a timed-out unsafe call as outcome_unknown and tells the model not to claim success', () => {
    const outcome = failedOutcome(
      activityFailure(new TimeoutFailure('timeout', undefined, 'START_TO_CLOSE'), 'TIMEOUT'),
      spec('unsafe'),
    );
    assert.equal(outcome.status, 'outcome_unknown');
    assert.match(outcome.content, /outcome_unknown: "charge_card" may or may not have taken effect/);
    assert.match(outcome.content, /Do not claim it succeeded/);
  });

  it('reports a timed-out read call with its attempts', () => {
    const outcome = failedOutcome(
      activityFailure(new TimeoutFailure('timeout', undefined, 'HEARTBEAT'), 'MAXIMUM_ATTEMPTS_REACHED'),
      spec('read'),
    );
    assert.equal(outcome.status, 'timed_out');
    assert.equal(outcome.attempts, 3);
    assert.match(outcome.content, /did not finish within 2s \(3 attempts\)/);
  });

  it('says whether retrying can help, from the failure', () => {
    const permanent = ApplicationFailure.create({
      message: 'card declined',
      type: 'Declined',
      nonRetryable: true,
      details: [{ attempt: 1 }],
    });
    const read = failedOutcome(activityFailure(permanent, 'NON_RETRYABLE_FAILURE'), spec('read'));
    assert.match(read.content, /card declined\. The tool marked this error as permanent/);
    const transient = ApplicationFailure.create({
      message: 'timeout talking to bank',
      details: [{ attempt: 3 }],
    });
    const retried = failedOutcome(activityFailure(transient, 'MAXIMUM_ATTEMPTS_REACHED'), spec('idempotent'));
    assert.equal(retried.attempts, 3);
    assert.match(retried.content, /failed on each of 3 attempts/);
    const unsafe = failedOutcome(activityFailure(transient, 'MAXIMUM_ATTEMPTS_REACHED'), spec('unsafe'));
    assert.match(
      unsafe.content,
      /not retried because it has side effects\. Do not tell the user it succeeded/,
    );
  });

  it('keeps long error messages short and never includes a stack', () => {
    const long = new Error(`${'x'.repeat(2000)}`);
    const outcome = failedOutcome(
      activityFailure(ApplicationFailure.create({ message: long.message }), 'MAXIMUM_ATTEMPTS_REACHED'),
      spec('read'),
    );
    assert.ok(outcome.content.length < 800);
    assert.doesNotMatch(outcome.content, /\n\s+at /);
  });

  it('explains the per-turn cap', () => {
    assert.match(
      overCapOutcome('charge_card', 12, 8).content,
      /asked for 12 tool calls and at most 8 run per turn/,
    );
  });

  it("treats an unsafe tool's own outcomeUnknown error as outcome_unknown, not failed", () => {
    const inDoubt = ApplicationFailure.create({
      type: 'ToolOutcomeUnknown',
      message: 'connection reset after sending',
    });
    const unsafe = failedOutcome(activityFailure(inDoubt, 'MAXIMUM_ATTEMPTS_REACHED'), spec('unsafe'));
    assert.equal(unsafe.status, 'outcome_unknown');
    assert.match(unsafe.content, /connection reset after sending/);
    assert.equal(
      failedOutcome(activityFailure(inDoubt, 'MAXIMUM_ATTEMPTS_REACHED'), spec('read')).status,
      'failed',
    );
  });
});
