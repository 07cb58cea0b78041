// Integration tests: a real Temporal dev server, a worker in this process, the fake Claude over real HTTP.
// A read tool declared `runAs: 'localActivity'` runs as a local activity of the run's workflow task: its call is a
// marker in history instead of an activity, and everything else about the call (results, retries, input checks,
// cancellation) stays as for a regular tool.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { temporal } from '@temporalio/proto';
import type { Worker } from '@temporalio/worker';
import { awaitResult, getProgress } from '../../src/client';
import type { RunHandle } from '../../src/client';
import { approveUpdate, cancelSignal } from '../../src/shared';
import { waitFor } from '../helpers/child-worker';
import { startTestEnv } from '../helpers/env';
import type { TestEnv } from '../helpers/env';
import { lastToolResults } from '../helpers/fake-requests';
import { lookups, lookupTool } from '../helpers/local-tools';
import { readAll } from '../helpers/stream-checks';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

let env: TestEnv;
let worker: Worker;

const tools = [
  lookupTool('lookup_local', 'localActivity'),
  lookupTool('lookup_regular', undefined),
  lookupTool('gated_lookup', 'localActivity', { needsApproval: true }),
];

before(async () => {
  env = await startTestEnv();
  worker = await env.startWorker(tools);
});
after(async () => {
  await env?.close();
});

/** Scripts one tool call and a final answer, and starts the run. */
async function oneCall(match: string, name: string, input: Record<string, unknown>): Promise<RunHandle> {
  env.fake.script(
    [{ content: [{ type: 'tool_use', id: toolUseId(match), name, input }] }, { content: 'Done.' }],
    { match },
  );
  return env.start({ prompt: `Look up ${match}.` });
}

function toolUseId(match: string): string {
  return `toolu_${match.replace(/\W/g, '_')}`;
}

async function historyOf(handle: RunHandle): Promise<HistoryEvent[]> {
  return (await handle.fetchHistory()).events ?? [];
}

// The SDK records each local activity's result as a marker whose data names the activity type.
function localActivityMarkers(events: HistoryEvent[]): string[] {
  return events.flatMap((e) => {
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_local_activity') return [];
    const data = marker.details?.data?.payloads?.[0]?.data;
    const parsed = data ? (JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string }) : {};
    return [parsed.activity_type ?? 'unknown'];
  });
}

function scheduledActivities(events: HistoryEvent[]): string[] {
  return events.flatMap((e) => {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });
}

describe('tools as local activities', () => {
  it('runs a localActivity read tool as a marker in history, with no runTool activity, and sends its result', async () => {
    const handle = await oneCall('alpha', 'lookup_local', { key: 'alpha' });
    const result = await awaitResult(handle);
    assert.equal(result.status, 'completed');
    assert.equal(result.text, 'Done.');
    assert.equal(result.toolCalls[0]?.status, 'succeeded');

    const sent = lastToolResults(env.fake, 'alpha').get('toolu_alpha');
    assert.equal(sent?.content, 'value of alpha');
    assert.equal(sent?.is_error, undefined);

    const events = await historyOf(handle);
    assert.deepEqual(localActivityMarkers(events), ['runTool']);
    assert.deepEqual(scheduledActivities(events).includes('runTool'), false);
    // The tool's heartbeat inside a local activity is a no-op, not an error.
    assert.equal(lookups.find((l) => l.key === 'alpha')?.finished, true);

    // The run's stream tells of the call as of any other.
    const streamed = await readAll(env, handle.workflowId);
    const started = streamed.filter((e) => e.type === 'tool_started');
    const finished = streamed.filter((e) => e.type === 'tool_finished');
    assert.deepEqual(
      started.map((e) => [e.toolUseId, e.name, e.turn, e.attempt]),
      [[toolUseId('alpha'), 'lookup_local', 1, 1]],
    );
    assert.deepEqual(
      finished.map((e) => [e.toolUseId, e.status, e.isError]),
      [[toolUseId('alpha'), 'succeeded', false]],
    );
  });

  it('pins the choice into the run: the local tool has local: true, the regular one no such key', async () => {
    const handle = await oneCall('pins', 'lookup_local', { key: 'pins' });
    await awaitResult(handle);
    const events = await historyOf(handle);
    const pinned = events.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'pinRun',
    )?.eventId;
    const completed = events.find(
      (e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === String(pinned),
    );
    const payload = completed?.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data;
    assert.ok(payload, 'pinRun completed with a result');
    const { tools: policies } = JSON.parse(Buffer.from(payload).toString('utf8')) as {
      tools: Array<{ name: string; local?: unknown }>;
    };
    const byName = new Map(policies.map((p) => [p.name, p]));
    assert.equal(byName.get('lookup_local')?.local, true);
    assert.equal('local' in (byName.get('lookup_regular') ?? {}), false);
  });

  it('records fewer history events for a local tool turn than for the same turn as a regular activity', async () => {
    const local = await oneCall('count local', 'lookup_local', { key: 'count' });
    await awaitResult(local);
    const regular = await oneCall('count regular', 'lookup_regular', { key: 'count' });
    await awaitResult(regular);
    const localEvents = await historyOf(local);
    const regularEvents = await historyOf(regular);
    // A regular tool turn: the activity's scheduled/started/completed events and a second workflow task
    // (scheduled/started/completed); a local one: a single marker in the workflow task that asked for the call.
    assert.equal(
      regularEvents.length - localEvents.length,
      5,
      `local ${localEvents.length} events, regular ${regularEvents.length}`,
    );
  });

  it('retries a local tool that fails once, and the second attempt succeeds', async () => {
    const handle = await oneCall('flaky', 'lookup_local', { key: 'flaky', failFirst: true });
    const result = await awaitResult(handle);
    assert.equal(result.status, 'completed');
    assert.deepEqual(
      lookups.filter((l) => l.key === 'flaky').map((l) => [l.attempt, l.finished === true]),
      [
        [1, false],
        [2, true],
      ],
    );
    assert.equal(result.toolCalls[0]?.status, 'succeeded');
    assert.equal(result.toolCalls[0]?.attempts, 2);
    assert.equal(lastToolResults(env.fake, 'flaky').get('toolu_flaky')?.content, 'value of flaky');
  });

  it('reports input that fails the schema as an is_error result, without running the tool', async () => {
    const handle = await oneCall('bad input', 'lookup_local', { key: 42 });
    const result = await awaitResult(handle);
    assert.equal(result.status, 'completed');
    assert.equal(result.toolCalls[0]?.status, 'invalid_input');
    const sent = lastToolResults(env.fake, 'bad input').get(toolUseId('bad input'));
    assert.equal(sent?.is_error, true);
    assert.match(String(sent?.content), /input for "lookup_local" is invalid:\n- key: /);
    assert.equal(lookups.filter((l) => (l.key as unknown) === 42).length, 0);
  });

  it('stops a local tool in flight when the run is cancelled', async () => {
    const handle = await oneCall('cancel me', 'lookup_local', { key: 'cancel me', delayMs: 15_000 });
    await waitFor('the local tool to start', () => lookups.some((l) => l.key === 'cancel me'));
    const started = Date.now();
    await handle.signal(cancelSignal, { reason: 'no longer needed' });
    const result = await awaitResult(handle);
    assert.equal(result.status, 'cancelled');
    // The signal waits for the workflow task the local activity holds: the SDK heartbeats that task (at 80% of its
    // 10 s timeout) and the next one delivers the cancel, which stops the tool long before its 15 s are up.
    assert.ok(Date.now() - started < 10_000, 'the run did not wait for the tool to finish');
    assert.equal(result.toolCalls[0]?.status, 'cancelled');
    const execution = lookups.find((l) => l.key === 'cancel me');
    assert.equal(execution?.aborted, true, "the tool's abort signal fired");
    assert.equal(execution?.finished, undefined);
  });

  // Last: it replaces the worker.
  it('keeps running a tool as a local activity when a deploy flips runAs while the run is open', async () => {
    const handle = await oneCall('flip', 'gated_lookup', { key: 'flip' });
    for (let i = 0; ; i++) {
      const progress = await getProgress(env.client, handle.workflowId).catch(() => undefined);
      if (progress && progress.approvalsWaiting.length === 1) break;
      if (i > 200) throw new Error('the call never waited for approval');
      await new Promise((r) => setTimeout(r, 50));
    }
    const old = worker;
    old.shutdown();
    await waitFor('the old worker to stop', () => old.getState() === 'STOPPED');
    // The new deployment declares the same tool (same schema hash) as a regular activity.
    worker = await env.startWorker([
      lookupTool('lookup_local', 'localActivity'),
      lookupTool('gated_lookup', 'activity', { needsApproval: true }),
    ]);
    await handle.executeUpdate(approveUpdate, { args: [{ toolUseId: 'toolu_flip', approved: true }] });
    const result = await awaitResult(handle);
    assert.equal(result.status, 'completed');
    assert.equal(lastToolResults(env.fake, 'flip').get('toolu_flip')?.content, 'value of flip');
    const events = await historyOf(handle);
    assert.deepEqual(localActivityMarkers(events), ['runTool']);
    assert.equal(scheduledActivities(events).includes('runTool'), false);
  });
});
