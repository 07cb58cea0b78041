// Integration tests: a real Temporal dev server, a worker in this process with no settings, the fake Claude over
// real HTTP. What a run schedules by default decides how fast it recovers from a dead worker (heartbeat timeout,
// first retry interval) and how much it writes per turn (search-attribute upserts); both are read from history.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { awaitResult } from '../../src/client';
import { AgentIteration, AgentStatus } from '../../src/shared/search-attributes';
import { useTestEnv } from '../helpers/env';
import { weather } from '../helpers/tools';

const { EventType } = temporal.api.enums.v1;

// No settings at all: the defaults, whatever this shell's DURABLE_AGENT_* variables say.
const env = useTestEnv([weather], { settings: {} });

/** A run of two tool turns and a final answer; returns its history's events. */
async function twoToolTurns(city: string) {
  env.fake.script(
    [
      { content: [{ type: 'tool_use', name: 'get_weather', input: { city } }] },
      { content: [{ type: 'tool_use', name: 'get_weather', input: { city: `${city} Norte` } }] },
      { content: `${city} is mild.` },
    ],
    { match: `Weather in ${city}` },
  );
  const handle = await env.start({ prompt: `Weather in ${city}?` });
  const result = await awaitResult(handle);
  assert.equal(result.status, 'completed');
  return { handle, events: (await handle.fetchHistory()).events ?? [] };
}

describe('what a run schedules by default', () => {
  it('gives model and tool calls a 2 s heartbeat timeout and a 500 ms first retry', async () => {
    const { events } = await twoToolTurns('Quito');
    const scheduled = events.flatMap((e) => {
      const a = e.activityTaskScheduledEventAttributes;
      const name = a?.activityType?.name;
      return a && (name === 'callClaude' || name === 'runTool')
        ? [[name, tsToMs(a.heartbeatTimeout), tsToMs(a.retryPolicy?.initialInterval)] as const]
        : [];
    });
    assert.deepEqual(scheduled, [
      ['callClaude', 2_000, 500],
      ['runTool', 2_000, 500],
      ['callClaude', 2_000, 500],
      ['runTool', 2_000, 500],
      ['callClaude', 2_000, 500],
    ]);
  });

  it('upserts progress alone every few model calls, and everything when the status changes', async () => {
    const { handle, events } = await twoToolTurns('Cusco');
    const upserts = events.filter(
      (e) => e.eventType === EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
    ).length;
    // The start and the end (status): 3 model calls are fewer than PROGRESS_EVERY_CALLS, so their progress
    // goes with the end. Before, each model reply added one (5), and before that each tool turn too.
    assert.equal(upserts, 2);
    const { typedSearchAttributes } = await handle.describe();
    assert.equal(typedSearchAttributes.get(AgentStatus), 'completed');
    assert.equal(typedSearchAttributes.get(AgentIteration), 3);
  });
});
