// Integration tests: a real Temporal dev server, a worker in this process, the fake Claude over real HTTP. The
// worker's heartbeat timeout setting is pinned into the run and every model and tool call is scheduled with it;
// its sticky timeout reaches the Temporal worker.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tsToMs } from '@temporalio/common/lib/time';
import { awaitResult } from '../../src/client';
import { useTestEnv } from '../helpers/env';
import { weather } from '../helpers/tools';

const env = useTestEnv([weather], { settings: { heartbeatTimeoutMs: 2_000, stickyTimeoutMs: 1_500 } });

describe('heartbeat and sticky timeout settings', () => {
  it('gives the worker the configured sticky schedule-to-start timeout', async () => {
    const worker = await env.startWorker([weather]);
    assert.equal(worker.options.stickyQueueScheduleToStartTimeoutMs, 1_500);
  });

  it("schedules the run's model and tool calls with the configured heartbeat timeout", async () => {
    env.fake.script(
      [
        { content: [{ type: 'tool_use', name: 'get_weather', input: { city: 'Lima' } }] },
        { content: 'Lima is mild.' },
      ],
      { match: 'Weather in Lima' },
    );
    const handle = await env.start({ prompt: 'Weather in Lima?' });
    assert.equal((await awaitResult(handle)).status, 'completed');

    const { events } = await handle.fetchHistory();
    const scheduled = (events ?? []).flatMap((e) => {
      const a = e.activityTaskScheduledEventAttributes;
      return a ? [[a.activityType?.name, tsToMs(a.heartbeatTimeout)] as const] : [];
    });
    const heartbeating = scheduled.filter(([name]) => name === 'callClaude' || name === 'runTool');
    assert.deepEqual(heartbeating, [
      ['callClaude', 2_000],
      ['runTool', 2_000],
      ['callClaude', 2_000],
    ]);
  });
});
