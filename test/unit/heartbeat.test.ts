// Unit tests: no workers, no servers. The activities' heartbeat cadence follows each activity's heartbeat
// timeout; the timers are Node's mock timers, so no test waits on the clock.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { Context } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { HEARTBEAT_INTERVAL_MS, heartbeatInterval, startHeartbeat } from '../../src/activities/heartbeat';

/** How many heartbeats an activity with this heartbeat timeout sends in each of `steps` milliseconds of time. */
async function beatsAfter(heartbeatTimeoutMs: number | undefined, steps: number[]): Promise<number[]> {
  const env = new MockActivityEnvironment(heartbeatTimeoutMs === undefined ? {} : { heartbeatTimeoutMs }, {
    logger: new DefaultLogger('ERROR'),
  });
  let beats = 0;
  env.on('heartbeat', () => beats++);
  return (await env.run(async () => {
    const stop = startHeartbeat(Context.current());
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
    // One beat at once, the next just at 4 s of an 8 s timeout, not before.
    assert.deepEqual(await beatsAfter(8_000, [3_999, 1, 4_000]), [1, 2, 3]);
  });

  it('beats every second when the activity has no heartbeat timeout', async () => {
    assert.deepEqual(await beatsAfter(undefined, [HEARTBEAT_INTERVAL_MS - 1, 1]), [1, 2]);
  });

  it('never beats more often than every 100 ms', async () => {
    assert.equal(heartbeatInterval(50), 100);
    assert.deepEqual(await beatsAfter(50, [99, 1]), [1, 2]);
  });
});
