// Integration test: a model call that waits out a rate limit shows as waiting, with until when, in the run's
// progress (what `durable-agent status` and `run` print), although the workflow itself cannot see the wait.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getProgress } from '../../src/client';
import { formatRunningProgress } from '../../src/cli/transcript';
import type { RunProgress } from '../../src/shared';
import { useTestEnv } from '../helpers/env';
import { testTools } from '../helpers/tools';

const env = useTestEnv(testTools);

describe('a run waiting on a rate limit', () => {
  it('reports the model call as waiting, with until when, then finishes', async () => {
    env.fake.script(
      [{ fault: 'status', status: 429, retryAfterSeconds: 6 }, { content: 'After the wait.' }],
      {
        match: 'rate limited run',
      },
    );
    const handle = await env.start({ prompt: 'Answer this rate limited run.' });
    const askedAt = Date.now();
    let seen: RunProgress = await getProgress(env.client, handle.workflowId);
    while (!seen.modelCallWaiting) {
      assert.ok(Date.now() - askedAt < 15_000, 'the progress showed no wait within 15 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
      seen = await getProgress(env.client, handle.workflowId);
    }
    const wait = seen?.modelCallWaiting;
    assert.equal(wait?.errorType, 'ClaudeRateLimited');
    assert.equal(wait?.attempt, 2);
    assert.ok(
      Date.parse(wait?.until ?? '') > askedAt + 1_000,
      `waits until ${wait?.until}, asked at ${askedAt}`,
    );
    assert.match(
      formatRunningProgress(handle.workflowId, seen),
      /model call waits until \d\d:\d\d:\d\d UTC \(ClaudeRateLimited, attempt 2 next\)/,
    );
    assert.equal((await handle.result()).text, 'After the wait.');
    assert.equal((await getProgress(env.client, handle.workflowId)).modelCallWaiting, undefined);
  });
});
