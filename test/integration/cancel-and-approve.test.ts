// Integration tests: a real Temporal dev server, a worker in this process, the fake Claude over real HTTP.
// Runs stop promptly when cancelled, and tools that need a person wait for the `approve` update.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { awaitResult, getProgress, loadTranscript } from '../../src/client';
import { approveUpdate, cancelSignal } from '../../src/shared';
import { waitFor } from '../helpers/child-worker';
import { startTestEnv } from '../helpers/env';
import type { TestEnv } from '../helpers/env';
import { lastToolResults, servedBy } from '../helpers/fake-requests';
import { controlTools, executions } from '../helpers/tools';

let env: TestEnv;
let worker: Worker;

before(async () => {
  env = await startTestEnv();
  worker = await env.startWorker(controlTools);
});
after(async () => {
  await env?.close();
});

/** Polls the status query until `count` calls wait for approval. */
async function waitForApprovals(workflowId: string, count: number) {
  for (let i = 0; i < 200; i++) {
    const progress = await getProgress(env.client, workflowId).catch(() => undefined);
    if (progress && progress.approvalsWaiting.length >= count) return progress;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${count} approvals never became pending`);
}

const served = (match: string) => servedBy(env.fake, match);
const lastResults = (match: string) => lastToolResults(env.fake, match);

describe('cancellation', () => {
  it('the cancel signal stops an in-flight model call and ends the run cancelled', async () => {
    env.fake.script([{ content: 'Too late.', delayMs: 20_000 }], { match: 'slow thinker' });
    const handle = await env.start({ prompt: 'A slow thinker.' });
    await waitFor('the model call', () => served('slow thinker').length === 1);
    await handle.signal(cancelSignal, { reason: 'user changed their mind' });
    const result = await awaitResult(handle);

    assert.equal(result.status, 'cancelled');
    assert.equal(result.reason, 'user changed their mind');
    assert.equal(result.iterations, 0);
    assert.deepEqual(await loadTranscript(result.transcript), [{ role: 'user', content: 'A slow thinker.' }]);
    // A request whose 20 s reply had finished would never be marked aborted: the call was stopped, not awaited.
    await waitFor('the HTTP request to be aborted', () => served('slow thinker')[0]?.aborted === true);
  });

  it('cancels read tools in flight but lets an unsafe tool finish so its outcome is known', async () => {
    env.fake.script(
      [
        {
          content: [
            {
              type: 'tool_use',
              id: 'toolu_c_read',
              name: 'get_weather',
              input: { city: 'Cancelville', delayMs: 8000 },
            },
            { type: 'tool_use', id: 'toolu_c_unsafe', name: 'send_transfer', input: { cents: 500 } },
          ],
          usage: { input_tokens: 40, output_tokens: 12 },
        },
      ],
      { match: 'cancel mid tools' },
    );
    const handle = await env.start({ prompt: 'Please cancel mid tools.' });
    await waitFor('both tools to start', () =>
      executions.some((e) => e.tool === 'send_transfer' && e.finishedAt === undefined),
    );
    await handle.cancel(); // Temporal's own cancellation, as `temporal workflow cancel` sends it
    const result = await awaitResult(handle);

    assert.equal(result.status, 'cancelled');
    const ledger = new Map(result.toolCalls.map((c) => [c.toolUseId, c]));
    assert.equal(ledger.get('toolu_c_read')?.status, 'cancelled');
    assert.equal(ledger.get('toolu_c_unsafe')?.status, 'succeeded', 'the unsafe transfer finished');
    assert.deepEqual(result.usage, {
      inputTokens: 40,
      outputTokens: 12,
      cacheReadInputTokens: 0,
      cacheCreationInputTokens: 0,
    });
    const transcript = await loadTranscript(result.transcript);
    assert.deepEqual(
      transcript.map((m) => m.role),
      ['user', 'assistant', 'user'],
      'prompt, assistant turn, tool results',
    );
    const read = executions.find((e) => (e.input as { city?: string }).city === 'Cancelville');
    assert.equal(read?.finishedAt, undefined, 'the read tool was aborted through its AbortSignal');
    assert.equal(served('cancel mid tools').length, 1, 'no model call after the cancellation');
  });
});

describe('human approval', () => {
  const approvalTurn = (match: string, ids: string[]) =>
    env.fake.script(
      [
        {
          content: ids.map((id, i) => ({
            type: 'tool_use',
            id,
            name: 'close_account',
            input: { account: `${match}-${i}` },
          })),
        },
        { content: 'Done.' },
      ],
      { match },
    );

  it('waits for approval, says so in the status query, then runs the call', async () => {
    approvalTurn('approve me', ['toolu_ap_1']);
    const handle = await env.start({ prompt: 'Please approve me.' });
    const progress = await waitForApprovals(handle.workflowId, 1);
    assert.deepEqual(progress.approvalsWaiting, [
      { toolUseId: 'toolu_ap_1', name: 'close_account', input: { account: 'approve me-0' } },
    ]);
    assert.equal(
      executions.filter(
        (e) => e.tool === 'close_account' && (e.input as { account: string }).account === 'approve me-0',
      ).length,
      0,
    );
    const reply = await handle.executeUpdate(approveUpdate, {
      args: [{ toolUseId: 'toolu_ap_1', approved: true }],
    });
    assert.match(reply, /approved close_account/);
    const result = await awaitResult(handle);
    assert.equal(result.status, 'completed');
    assert.equal(result.toolCalls[0]?.status, 'succeeded');
    assert.equal(
      executions.filter((e) => (e.input as { account?: string }).account === 'approve me-0').length,
      1,
    );
  });

  it('rejects unknown and already decided IDs with a clear message', async () => {
    approvalTurn('decide twice', ['toolu_ap_2']);
    const handle = await env.start({ prompt: 'Let me decide twice.' });
    await waitForApprovals(handle.workflowId, 1);
    await assert.rejects(
      handle.executeUpdate(approveUpdate, { args: [{ toolUseId: 'toolu_nope', approved: true }] }),
      (err: unknown) =>
        err instanceof WorkflowUpdateFailedError &&
        /No tool call toolu_nope is waiting/.test(String(err.cause?.message)),
    );
    await handle.executeUpdate(approveUpdate, {
      args: [{ toolUseId: 'toolu_ap_2', approved: false, note: 'not this one' }],
    });
    await assert.rejects(
      handle.executeUpdate(approveUpdate, { args: [{ toolUseId: 'toolu_ap_2', approved: true }] }),
      (err: unknown) =>
        err instanceof WorkflowUpdateFailedError && /waiting|already/.test(String(err.cause?.message)),
    );
    const result = await awaitResult(handle);
    assert.equal(result.toolCalls[0]?.status, 'rejected');
    const block = lastResults('decide twice').get('toolu_ap_2');
    assert.equal(block?.is_error, true);
    assert.match(
      String(block?.content),
      /a person rejected this call to "close_account"\. Their note: not this one/,
    );
  });

  it('times out a wait into an is_error result', async () => {
    approvalTurn('nobody answers', ['toolu_ap_3']);
    const result = await env.run({
      prompt: 'Wait while nobody answers.',
      limits: { approvalTimeoutSeconds: 1 },
    });
    assert.equal(result.toolCalls[0]?.status, 'skipped');
    assert.match(String(lastResults('nobody answers').get('toolu_ap_3')?.content), /none came within 1s/);
  });

  it('never runs an approved call again after a worker restart, while another call of the turn still waits', async () => {
    approvalTurn('two approvals', ['toolu_ap_4', 'toolu_ap_5']);
    const handle = await env.start({ prompt: 'Needs two approvals.' });
    await waitForApprovals(handle.workflowId, 2);
    await handle.executeUpdate(approveUpdate, { args: [{ toolUseId: 'toolu_ap_4', approved: true }] });
    await waitFor('the approved call to run', () =>
      executions.some((e) => (e.input as { account?: string }).account === 'two approvals-0'),
    );
    // A new worker replays the run from history; the approved call must come back from history, not run again.
    const old = worker;
    old.shutdown();
    await waitFor('the old worker to stop', () => old.getState() === 'STOPPED');
    worker = await env.startWorker(controlTools);
    await handle.executeUpdate(approveUpdate, { args: [{ toolUseId: 'toolu_ap_5', approved: true }] });
    const result = await awaitResult(handle);
    assert.equal(result.status, 'completed');
    const runs = (i: number) =>
      executions.filter((e) => (e.input as { account?: string }).account === `two approvals-${i}`).length;
    assert.equal(runs(0), 1);
    assert.equal(runs(1), 1);
  });
});
