// Integration tests: a real Temporal dev server, a worker in this process, the fake Claude over real HTTP.
// Every way a tool call can fail becomes an is_error tool_result written by the runtime; the run goes on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MessageParam, ToolResultBlock } from '../../src/shared';
import { useTestEnv } from '../helpers/env';
import { executions, testTools } from '../helpers/tools';

const env = useTestEnv(testTools);

/** Runs one turn of the given tool calls, then a final answer; returns the tool results Claude received. */
async function oneTurn(
  match: string,
  calls: Array<{ id: string; name: string; input: Record<string, unknown> }>,
  limits = {},
) {
  env.fake.script([{ content: calls.map((c) => ({ type: 'tool_use', ...c })) }, { content: 'Done.' }], {
    match,
  });
  const result = await env.run({ prompt: `Test ${match}.`, limits });
  const served = env.fake.requests.filter((r) => r.match === match);
  assert.equal(served.length, 2);
  const messages = (served[1]?.body as { messages: MessageParam[] }).messages;
  const results = messages[messages.length - 1]?.content as ToolResultBlock[];
  return { result, results: new Map(results.map((r) => [r.tool_use_id, r])) };
}

describe('tool errors become is_error results', () => {
  it('reports an unknown tool, invalid input, a timeout and a thrown error, and the run goes on', async () => {
    const { result, results } = await oneTurn('error paths', [
      { id: 'toolu_unknown', name: 'launch_rocket', input: {} },
      { id: 'toolu_invalid', name: 'get_weather', input: { city: 42 } },
      { id: 'toolu_timeout', name: 'slow_report', input: {} },
      { id: 'toolu_thrown', name: 'broken_lookup', input: { permanent: true } },
      { id: 'toolu_ok', name: 'get_weather', input: { city: 'Quito' } },
    ]);
    assert.equal(result.status, 'completed');
    assert.equal(result.text, 'Done.');

    const unknown = results.get('toolu_unknown');
    assert.equal(unknown?.is_error, true);
    assert.match(
      String(unknown?.content),
      /no tool named "launch_rocket".*Available tools: .*"get_weather"/s,
    );

    const invalid = results.get('toolu_invalid');
    assert.equal(invalid?.is_error, true);
    assert.match(String(invalid?.content), /input for "get_weather" is invalid:\n- city: .*string/);

    const timeout = results.get('toolu_timeout');
    assert.equal(timeout?.is_error, true);
    assert.match(String(timeout?.content), /"slow_report" did not finish within 0.5s \(2 attempts\)/);

    const thrown = results.get('toolu_thrown');
    assert.equal(thrown?.is_error, true);
    assert.match(String(thrown?.content), /"broken_lookup" failed: record 7 does not exist.*permanent/);
    assert.doesNotMatch(String(thrown?.content), /at .*\.ts:\d+/, 'no stack trace reaches the model');

    assert.equal(results.get('toolu_ok')?.is_error, undefined);

    const ledger = new Map(result.toolCalls.map((c) => [c.toolUseId, c]));
    assert.equal(ledger.get('toolu_unknown')?.status, 'unknown_tool');
    assert.equal(ledger.get('toolu_invalid')?.status, 'invalid_input');
    assert.equal(ledger.get('toolu_invalid')?.error?.type, 'ToolInputInvalid');
    assert.equal(ledger.get('toolu_timeout')?.status, 'timed_out');
    assert.equal(ledger.get('toolu_thrown')?.status, 'failed');
    assert.equal(ledger.get('toolu_ok')?.status, 'succeeded');
    // Invalid input is refused before the tool runs; a permanent error is not retried.
    assert.equal(executions.filter((e) => (e.input as { city?: unknown }).city === 42).length, 0);
    assert.equal(executions.filter((e) => e.tool === 'broken_lookup').length, 1);
  });

  it('retries a transient tool error within its bound, then reports it', async () => {
    const before = executions.filter((e) => e.tool === 'broken_lookup').length;
    const { results, result } = await oneTurn('transient failure', [
      { id: 'toolu_flaky', name: 'broken_lookup', input: {} },
    ]);
    const after = executions.filter((e) => e.tool === 'broken_lookup').slice(before);
    assert.deepEqual(
      after.map((e) => e.attempt),
      [1, 2, 3],
    );
    assert.equal(
      new Set(after.map((e) => e.idempotencyKey)).size,
      1,
      'the idempotency key is the same on every attempt',
    );
    assert.match(
      String(results.get('toolu_flaky')?.content),
      /backend unavailable: connection refused.*3 attempts/,
    );
    assert.equal(result.toolCalls[0]?.attempts, 3);
  });

  it('does not run calls beyond maxToolCallsPerTurn and says so', async () => {
    const { results, result } = await oneTurn(
      'over the cap',
      ['Bern', 'Riga', 'Baku'].map((city, i) => ({
        id: `toolu_cap_${i}`,
        name: 'get_weather',
        input: { city },
      })),
      { maxToolCallsPerTurn: 2 },
    );
    assert.equal(results.get('toolu_cap_0')?.is_error, undefined);
    assert.equal(results.get('toolu_cap_1')?.is_error, undefined);
    assert.equal(results.get('toolu_cap_2')?.is_error, true);
    assert.match(
      String(results.get('toolu_cap_2')?.content),
      /asked for 3 tool calls and at most 2 run per turn/,
    );
    assert.equal(result.toolCalls.find((c) => c.toolUseId === 'toolu_cap_2')?.status, 'skipped');
    assert.equal(executions.filter((e) => (e.input as { city?: string }).city === 'Baku').length, 0);
  });
});
