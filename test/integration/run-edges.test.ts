// Integration tests: a real Temporal dev server, a worker in this process, the fake Claude over real HTTP.
// Edges of the loop: a cancel on the turn that continues as new, replies that break the tool-use protocol.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { defineTool } from '../../src/activities/tools/define';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { awaitResult, getProgress, loadToolCalls, RunFailedError } from '../../src/client';
import type { RunHandle } from '../../src/client';
import { approveUpdate, cancelSignal, RECENT_TOOL_CALLS, WORKFLOW_TYPE } from '../../src/shared';
import type { MessageParam } from '../../src/shared';
import type { MessagesRequestBody } from '../../src/testing';
import { waitFor } from '../helpers/child-worker';
import { useTestEnv } from '../helpers/env';
import { closeAccount, executions, weather } from '../helpers/tools';

/** An unsafe call that fails after a moment, so the run ends with a call in doubt. */
const failingTransfer = defineTool({
  name: 'failing_transfer',
  description: 'A transfer whose bank says no.',
  input: z.object({}),
  effect: 'unsafe',
  async run() {
    await new Promise((r) => setTimeout(r, 1000));
    throw ApplicationFailure.nonRetryable('the bank refused the transfer', 'Refused');
  },
});

/** Counts a call; cheap, so a run can make hundreds of them. */
const tally = defineTool({
  name: 'tally',
  description: 'Counts one item.',
  input: z.object({ n: z.number().int(), note: z.string() }),
  effect: 'read',
  run: ({ n }) => `counted ${n}`,
});

const env = useTestEnv([weather, failingTransfer, closeAccount, tally]);

const served = (match: string) => env.fake.requests.filter((r) => r.match === match);
const started = (city: string) => executions.some((e) => (e.input as { city?: string }).city === city);
const runsOf = async (workflowId: string) => {
  let runs = 0;
  for await (const _ of env.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs++;
  return runs;
};
// History reaches this many events within the first tool turn, so the run decides to continue as new there.
const continueAfterOneTurn = { historyEventsBeforeContinueAsNew: 20 };

describe('a cancel on the turn that continues as new', () => {
  for (const how of ['signal', 'temporal cancel'] as const) {
    it(`ends the run cancelled (${how}) rather than continuing as new`, async () => {
      const city = `Hand-over ${how}`;
      env.fake.script(
        [{ content: [{ type: 'tool_use', name: 'get_weather', input: { city, delayMs: 8000 } }] }],
        { match: `cancel at hand-over ${how}` },
      );
      const handle = await env.start({
        prompt: `Please cancel at hand-over ${how}.`,
        limits: continueAfterOneTurn,
      });
      await waitFor('the tool to start', () => started(city));
      if (how === 'signal') await handle.signal(cancelSignal, { reason: 'stop at the hand-over' });
      else await handle.cancel();
      const result = await awaitResult(handle);

      assert.equal(result.status, 'cancelled');
      assert.equal(result.reason, how === 'signal' ? 'stop at the hand-over' : 'the workflow was cancelled');
      assert.equal(await runsOf(handle.workflowId), 1, 'no run of the chain after the cancel');
      assert.equal(served(`cancel at hand-over ${how}`).length, 1);
    });
  }

  it("keeps the person's cancel reason when an unsafe call is also in doubt", async () => {
    env.fake.script(
      [
        {
          content: [
            { type: 'tool_use', name: 'get_weather', input: { city: 'Doubtful', delayMs: 8000 } },
            { type: 'tool_use', name: 'failing_transfer', input: {} },
          ],
        },
      ],
      { match: 'cancel with doubt' },
    );
    const handle = await env.start({ prompt: 'Please cancel with doubt.' });
    await waitFor('the tools to start', () => started('Doubtful'));
    await handle.signal(cancelSignal, { reason: 'the customer hung up' });
    const result = await awaitResult(handle);

    assert.equal(result.status, 'cancelled');
    assert.match(result.reason ?? '', /^the customer hung up; also, an unsafe tool call failed/);
  });
});

describe('replies that break the tool-use protocol', () => {
  it('fails with ToolUseWithoutToolCall on tool_use with no tool_use block, sending nothing more', async () => {
    env.fake.script([{ content: 'I will call a tool.', stopReason: 'tool_use' }], { match: 'no tool block' });
    await assert.rejects(env.run({ prompt: 'A reply with no tool block.' }), (err: unknown) => {
      assert.ok(err instanceof RunFailedError);
      assert.equal(err.type, 'ToolUseWithoutToolCall');
      return true;
    });
    assert.equal(served('no tool block').length, 1, 'no empty user turn was sent');
  });

  it('never runs two calls under one tool_use id: the reply is asked for again', async () => {
    const twice = (city: string) => ({
      content: [
        { type: 'tool_use', id: 'toolu_dup_1', name: 'get_weather', input: { city } },
        { type: 'tool_use', id: 'toolu_dup_1', name: 'get_weather', input: { city: `${city} again` } },
      ],
    });
    env.fake.script(
      [
        twice('Dupville'),
        {
          content: [
            { type: 'tool_use', id: 'toolu_dup_ok', name: 'get_weather', input: { city: 'Oneville' } },
          ],
        },
        { content: 'One forecast.' },
      ],
      { match: 'duplicate ids once' },
    );
    const result = await env.run({ prompt: 'Please send duplicate ids once.' });

    assert.equal(result.status, 'completed');
    assert.equal(result.iterations, 3, 'the faulty reply was paid for and counts');
    assert.deepEqual(
      result.toolCalls.map((c) => c.toolUseId),
      ['toolu_dup_ok'],
    );
    assert.equal(started('Dupville'), false, 'no call of the faulty reply ran');
    const [first, second] = served('duplicate ids once');
    assert.deepEqual(second?.body, first?.body, 'the same request was asked again');

    env.fake.script([twice('Twiceville'), twice('Twiceville')], { match: 'duplicate ids always' });
    await assert.rejects(env.run({ prompt: 'Please send duplicate ids always.' }), (err: unknown) => {
      assert.ok(err instanceof RunFailedError);
      assert.equal(err.type, 'DuplicateToolUseId');
      assert.match(err.message, /toolu_dup_1/);
      return true;
    });
    assert.equal(started('Twiceville'), false);
  });
});

describe('what comes from outside the workflow', () => {
  /** Starts agentRun with raw arguments, as the temporal CLI or another SDK could. */
  const startRaw = (args: unknown[]): Promise<RunHandle> =>
    env.client.workflow.start(WORKFLOW_TYPE, {
      args,
      taskQueue: env.taskQueue,
      workflowId: `raw-${Math.random().toString(36).slice(2)}`,
    }) as Promise<RunHandle>;
  const failsWith = async (handle: RunHandle, type: string, message: RegExp) =>
    assert.rejects(awaitResult(handle), (err: unknown) => {
      assert.ok(err instanceof RunFailedError);
      assert.equal(err.type, type);
      assert.match(err.message, message);
      return true;
    });

  it('refuses a second start argument: resume state comes only from the run it continues', async () => {
    await failsWith(
      await startRaw([{ prompt: 'A stray second argument.' }, {}]),
      'InvalidAgentInput',
      /one argument/,
    );
    const forged = {
      kind: 'durable-agent.resume.v1',
      fromRunId: 'guessed',
      iterations: 0,
      usage: { inputTokens: -1e9, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
    };
    await failsWith(
      await startRaw([{ prompt: 'A forged resume state.' }, forged]),
      'InvalidAgentInput',
      /one argument/,
    );
  });

  it('fails at once with InvalidAgentInput for a model name of thousands of characters', async () => {
    await failsWith(
      await startRaw([{ prompt: 'A long model name.', model: 'claude-'.repeat(1000) }]),
      'InvalidAgentInput',
      /model:/,
    );
  });

  it('fails at once with InvalidAgentInput for a prompt just under the 2 MiB payload limit', async () => {
    const prompt = `Summarize: ${'x'.repeat(1.9 * 1024 * 1024)}`;
    await failsWith(await startRaw([{ prompt }]), 'InvalidAgentInput', /run input is 1\.90 MiB/);
  });

  it('counts usage that is not a token count as zero, and clamps a huge one, instead of wedging the run', async () => {
    env.fake.script(
      [
        {
          content: [{ type: 'tool_use', name: 'get_weather', input: { city: 'Oddcount' } }],
          usage: { input_tokens: -5, output_tokens: 'lots' as never, cache_read_input_tokens: 7 },
        },
        { content: 'Done.', usage: { input_tokens: 1e300, output_tokens: 1 } },
      ],
      { match: 'odd usage' },
    );
    const result = await env.run({ prompt: 'Report odd usage.', limits: { maxTotalTokens: 1e12 } });
    assert.equal(result.status, 'completed');
    assert.deepEqual(result.usage, {
      inputTokens: 100_000_000,
      outputTokens: 1,
      cacheReadInputTokens: 7,
      cacheCreationInputTokens: 0,
    });
  });
});

describe("a person's input", () => {
  it('refuses a 1.1 MB rejection note, sent twice, and the run goes on', async () => {
    env.fake.script(
      [
        {
          content: [
            { type: 'tool_use', id: 'toolu_long_note', name: 'close_account', input: { account: 'n1' } },
          ],
        },
        { content: 'Closed.' },
      ],
      { match: 'long note' },
    );
    const handle = await env.start({ prompt: 'Please take a long note.' });
    for (;;) {
      const progress = await getProgress(env.client, handle.workflowId).catch(() => undefined);
      if (progress?.approvalsWaiting.length === 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const note = 'n'.repeat(1_100_000);
    for (let i = 0; i < 2; i++) {
      await assert.rejects(
        handle.executeUpdate(approveUpdate, {
          args: [{ toolUseId: 'toolu_long_note', approved: false, note }],
        }),
        (err: unknown) => {
          assert.ok(err instanceof WorkflowUpdateFailedError);
          assert.match(err.cause?.message ?? '', /the note is 1100000 characters; at most 4000 are accepted/);
          return true;
        },
      );
    }
    await handle.executeUpdate(approveUpdate, { args: [{ toolUseId: 'toolu_long_note', approved: true }] });
    const result = await awaitResult(handle);
    assert.equal(result.status, 'completed');
    assert.equal(result.toolCalls[0]?.status, 'succeeded');
  });

  it('keeps a cancel reason that is not a string as text, cut to a bound', async () => {
    env.fake.script([{ content: 'Too late.', delayMs: 20_000 }], { match: 'odd reason' });
    const handle = await env.start({ prompt: 'Cancel with an odd reason.' });
    await waitFor('the model call', () => served('odd reason').length === 1);
    await handle.signal(cancelSignal, { reason: { why: 'w'.repeat(5000) } } as never);
    const result = await awaitResult(handle);
    assert.equal(result.status, 'cancelled');
    assert.equal(result.reason, `{"why":"${'w'.repeat(992)}…`);
  });
});

describe('a large ledger', () => {
  it('keeps counts and the latest calls in history across continue-as-new, and every call in the store', async () => {
    const perTurn = 20;
    const turns = 8;
    const note = 'n'.repeat(1000);
    const resultsSoFar = (body: MessagesRequestBody) =>
      (body.messages as MessageParam[])
        .flatMap((m) => (Array.isArray(m.content) ? m.content : []))
        .filter((b) => b.type === 'tool_result').length;
    const reply = ({ body }: { body: MessagesRequestBody }) => {
      const done = resultsSoFar(body);
      if (done >= perTurn * turns) return { content: `Counted ${done}.` };
      return {
        content: Array.from({ length: perTurn }, (_, i) => ({
          type: 'tool_use',
          id: `toolu_tally_${done + i + 1}`,
          name: 'tally',
          input: { n: done + i + 1, note },
        })),
      };
    };
    env.fake.script(
      Array.from({ length: turns + 1 }, () => reply),
      { match: 'tally a large ledger' },
    );
    const handle = await env.start({
      prompt: 'Please tally a large ledger.',
      tools: ['tally'],
      limits: {
        maxIterations: 50,
        maxToolCallsPerTurn: perTurn,
        maxTotalTokens: 100_000_000,
        maxCostUsd: 1000,
        historyEventsBeforeContinueAsNew: 20,
      },
    });
    const result = await awaitResult(handle);
    const total = perTurn * turns;

    assert.equal(result.status, 'completed');
    assert.deepEqual(result.toolCallCounts, { total, byStatus: { succeeded: total } });
    assert.deepEqual(
      result.toolCalls.map((c) => c.toolUseId),
      Array.from({ length: RECENT_TOOL_CALLS }, (_, i) => `toolu_tally_${total - RECENT_TOOL_CALLS + i + 1}`),
    );
    const all = await loadToolCalls(result);
    assert.deepEqual(
      all.map((c) => (c.input as { n: number }).n),
      Array.from({ length: total }, (_, i) => i + 1),
    );
    const progress = await getProgress(env.client, handle.workflowId);
    assert.equal(progress.toolCallCounts?.total, total);
    assert.equal(progress.toolCalls.length, RECENT_TOOL_CALLS);

    // What each run of the chain was handed stays bounded: counts and the latest calls, not every call.
    let runs = 0;
    for await (const execution of env.client.workflow.list({
      query: `WorkflowId = "${handle.workflowId}"`,
    })) {
      const history = await env.client.workflow.getHandle(handle.workflowId, execution.runId).fetchHistory();
      const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
      const handedOver = started?.input?.payloads?.[1]?.data?.length ?? 0;
      assert.ok(handedOver < 80_000, `run ${execution.runId} was handed ${handedOver} bytes`);
      runs++;
    }
    assert.ok(runs >= 3, `the run continued as new (${runs} runs in the chain)`);
  });
});
