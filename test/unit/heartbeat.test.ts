// Unit tests: no workers, no servers. The activities' heartbeat cadence follows each activity's heartbeat
// timeout; the timers are Node's mock timers, so no test waits on the clock.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { Context } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { HEARTBEAT_INTERVAL_MS, heartbeatInterval, startHeartbeat } from '../../src/activities/heartbeat';

/** How many heartbeats an activity with this heartbeat timeout sends in each of `steps` milliseconds of time. */
async function beatsAfter(
  heartbeatTimeoutMs: number | undefined,
  steps: number[],
  details?: () => unknown,
  sent: unknown[] = [],
): Promise<number[]> {
  const env = new MockActivityEnvironment(heartbeatTimeoutMs === undefined ? {} : { heartbeatTimeoutMs }, {
    logger: new DefaultLogger('ERROR'),
  });
  let beats = 0;
  env.on('heartbeat', (d: unknown) => {
    beats++;
    sent.push(d);
  });
  return (await env.run(async () => {
    const stop = startHeartbeat(Context.current(), undefined, details);
    const seen: number[] = [];
    for (const ms of steps) {
      mock.timers.tick(ms);
      seen.push(beats);
    }
    stop();
    return seen;
  })) as number[];
}

describe('activity heartbeats', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setInterval'] }));
  afterEach(() => mock.timers.reset());

  it('beats at half the heartbeat timeout', async () => {
    // The first beat just at 4 s of an 8 s timeout, not before, then every 4 s.
    assert.deepEqual(await beatsAfter(8_000, [3_999, 1, 4_000]), [0, 1, 2]);
  });

  it('sends no heartbeat during a call shorter than the interval', async () => {
    // The server counts the timeout from the attempt's start; a beat at once would only cost it a write.
    assert.deepEqual(await beatsAfter(2_000, [999]), [0]);
  });

  it('beats every second when the activity has no heartbeat timeout', async () => {
    assert.deepEqual(await beatsAfter(undefined, [HEARTBEAT_INTERVAL_MS - 1, 1]), [0, 1]);
  });

  it('never beats more often than every 100 ms', async () => {
    assert.equal(heartbeatInterval(50), 100);
    assert.deepEqual(await beatsAfter(50, [99, 1]), [0, 1]);
  });

  it('carries the latest progress details on each beat', async () => {
    let events = 0;
    const sent: unknown[] = [];
    const counts = await beatsAfter(2_000, [500, 500, 1_000], () => ({ events: (events += 3) }), sent);
    assert.deepEqual(counts, [0, 1, 2]);
    assert.deepEqual(sent, [{ events: 3 }, { events: 6 }]);
  });
});
