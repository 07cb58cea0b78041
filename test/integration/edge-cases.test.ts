// Integration tests: a real Temporal dev server, a worker in this process, the fake Claude over real HTTP.
// Edges that a run must get right without anyone watching: an unsafe call that fails, an approval nobody
// gives, model calls that back off, and an approval that waits while the run is due to continue as new.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { awaitResult, getProgress } from '../../src/client';
import { defineTool } from '../../src/activities/tools/define';
import { approveUpdate } from '../../src/shared';
import type { RunProgress } from '../../src/shared';
import { useTestEnv } from '../helpers/env';
import { lastToolResults, servedBy, toolResultsIn } from '../helpers/fake-requests';
import { closeAccount, executions, weather } from '../helpers/tools';

/** An unsafe call whose backend throws an ordinary error (not outcomeUnknown): it did not go through. */
const chargeCard = defineTool({
  name: 'charge_card',
  description: 'Charge a card; must not happen twice.',
  input: z.object({ cents: z.number().int() }),
  effect: 'unsafe',
  run() {
    throw new Error('card processor returned 502');
  },
});

const env = useTestEnv([weather, closeAccount, chargeCard]);

const served = (match: string) => servedBy(env.fake, match);
const lastResults = (match: string) => lastToolResults(env.fake, match);
const ranFor = (account: string) =>
  executions.filter((e) => (e.input as { account?: string }).account === account).length;
const runsOf = async (workflowId: string) => {
  let runs = 0;
  for await (const _ of env.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs++;
  return runs;
};

/** Polls the status query (the run's own report) until `ready` holds. */
async function progressUntil(workflowId: string, what: string, ready: (p: RunProgress) => boolean) {
  for (let i = 0; i < 600; i++) {
    const progress = await getProgress(env.client, workflowId).catch(() => undefined);
    if (progress && ready(progress)) return progress;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never saw ${what}`);
}

describe('an unsafe call that fails', () => {
  it('is reported to the model, the run goes on, and it ends needs_attention, not completed', async () => {
    env.fake.script(
      [
        { content: [{ type: 'tool_use', id: 'toolu_charge_1', name: 'charge_card', input: { cents: 500 } }] },
        { content: 'The charge did not go through.' },
      ],
      { match: 'charge the card' },
    );
    const result = await env.run({ prompt: 'Please charge the card.' });

    assert.equal(result.status, 'needs_attention');
    assert.match(result.reason ?? '', /an unsafe tool call failed or its outcome is unknown/);
    assert.equal(result.text, 'The charge did not go through.');
    assert.equal(result.toolCalls[0]?.status, 'failed');
    assert.equal(result.toolCalls[0]?.attempts, 1, 'an unsafe call is never retried');
    const sent = lastResults('charge the card').get('toolu_charge_1');
    assert.equal(sent?.is_error, true);
    assert.match(String(sent?.content), /card processor returned 502.*Do not tell the user it succeeded/s);
  });
});

describe('an approval nobody gives', () => {
  it('times out into a not-approved result for the model, never runs the call, and the run goes on', async () => {
    env.fake.script(
      [
        {
          content: [
            { type: 'tool_use', id: 'toolu_late_1', name: 'close_account', input: { account: 'late-1' } },
          ],
        },
        { content: 'It is waiting for approval.' },
      ],
      { match: 'nobody approves' },
    );
    const result = await env.run({
      prompt: 'Close it though nobody approves.',
      limits: { approvalTimeoutSeconds: 1 },
    });

    assert.equal(result.status, 'completed');
    assert.equal(result.text, 'It is waiting for approval.');
    assert.equal(result.toolCalls[0]?.status, 'skipped');
    assert.equal(ranFor('late-1'), 0, 'the call was not run');
    const sent = lastResults('nobody approves').get('toolu_late_1');
    assert.equal(sent?.is_error, true);
    assert.match(
      String(sent?.content),
      /needs a person's approval and none came within 1s.*do not claim it ran/s,
    );
  });
});

describe('model call retries', () => {
  it('back off: each wait is at least the doubled one before, and history records the attempts', async () => {
    const overloaded = { fault: 'status', status: 529 } as const;
    env.fake.script([overloaded, overloaded, overloaded, { content: 'Through at last.' }], {
      match: 'back off',
    });
    const handle = await env.start({ prompt: 'Answer, and back off when overloaded.' });
    const result = await awaitResult(handle);
    assert.equal(result.text, 'Through at last.');

    const arrivals = served('back off').map((r) => r.receivedAt);
    assert.equal(arrivals.length, 4);
    const gaps = arrivals.slice(1).map((at, i) => at - (arrivals[i] ?? at));
    // Initial interval 500 ms, coefficient 2: lower bounds only, with room for timer granularity.
    [500, 1000, 2000].forEach((least, i) =>
      assert.ok((gaps[i] ?? 0) >= least * 0.9, `wait ${i + 1} was ${gaps[i]} ms, at least ${least} expected`),
    );
    const { events } = await handle.fetchHistory();
    const attempts = (events ?? [])
      .filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => e.activityTaskStartedEventAttributes?.attempt);
    assert.ok(
      attempts.includes(4),
      `the model call completed on its 4th attempt (started: ${attempts.join(', ')})`,
    );
  });
});

describe('continue-as-new while an approval waits', () => {
  it('hands over only after the decision, and the next run takes approvals too: nothing sent is lost', async () => {
    env.fake.script(
      [
        {
          content: [
            { type: 'tool_use', id: 'toolu_can_read', name: 'get_weather', input: { city: 'Handover' } },
            { type: 'tool_use', id: 'toolu_can_1', name: 'close_account', input: { account: 'can-1' } },
          ],
        },
        {
          content: [
            { type: 'tool_use', id: 'toolu_can_2', name: 'close_account', input: { account: 'can-2' } },
          ],
        },
        { content: 'Both closed.' },
      ],
      { match: 'approve across runs' },
    );
    const handle = await env.start({
      prompt: 'Please approve across runs.',
      // History passes this within the first tool turn, so the run is due to continue as new while it waits.
      limits: { historyEventsBeforeContinueAsNew: 20, approvalTimeoutSeconds: 600 },
    });
    const { workflowId } = handle;

    await progressUntil(workflowId, 'the first approval wait', (p) =>
      p.approvalsWaiting.some((a) => a.toolUseId === 'toolu_can_1'),
    );
    // The read call of the same turn finishes while the approval waits, so history grows past the threshold.
    await progressUntil(workflowId, 'the read call to finish', (p) => p.toolsRunning.length === 0);
    const { events } = await handle.fetchHistory();
    assert.ok((events ?? []).length >= 20, `history had ${(events ?? []).length} events while waiting`);
    assert.equal(await runsOf(workflowId), 1, 'no hand-over while a call waits for a person');

    await handle.executeUpdate(approveUpdate, { args: [{ toolUseId: 'toolu_can_1', approved: true }] });
    // The second approval is asked for by the run that continued as new.
    await progressUntil(workflowId, 'the second approval wait', (p) =>
      p.approvalsWaiting.some((a) => a.toolUseId === 'toolu_can_2'),
    );
    assert.ok((await runsOf(workflowId)) >= 2, 'the run continued as new after the first decision');
    await env.client.workflow
      .getHandle(workflowId)
      .executeUpdate(approveUpdate, { args: [{ toolUseId: 'toolu_can_2', approved: true, note: 'ok' }] });
    const result = await awaitResult(handle);

    assert.equal(result.status, 'completed');
    assert.equal(result.text, 'Both closed.');
    assert.equal(ranFor('can-1'), 1);
    assert.equal(ranFor('can-2'), 1);
    const requests = served('approve across runs');
    assert.equal(requests.length, 3);
    const results = (i: number) => toolResultsIn(requests[i]);
    assert.match(String(results(1).get('toolu_can_1')?.content), /account can-1 closed/);
    assert.equal(results(1).get('toolu_can_1')?.is_error, undefined);
    assert.match(String(results(2).get('toolu_can_2')?.content), /account can-2 closed/);
  });
});
