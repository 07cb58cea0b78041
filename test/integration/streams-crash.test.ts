// Integration tests: a worker process killed with SIGKILL in the middle of a streamed answer, a real Temporal dev
// server, the fake Claude streaming slowly over real HTTP. A second worker finishes the run, and a reader that
// follows the retry rule shows the final answer exactly once.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { awaitResult, visibleText, watchRun } from '../../src/client';
import type { StreamEvent } from '../../src/shared';
import { childWorkerSuite, waitFor } from '../helpers/child-worker';
import { longAnswer } from '../helpers/stream-checks';

const suite = childWorkerSuite('stream-crash');

describe('run event streams across a worker crash', () => {
  it('after SIGKILL mid-answer, the text a reader assembles by the retry rule equals the final answer exactly', async () => {
    const match = 'stream crash mid answer';
    const answer = longAnswer(150);
    // The same reply twice: the first attempt is cut by the kill, the retry streams it whole.
    const reply = { content: answer, deltas: 60, chunkDelayMs: 50 };
    suite.env.fake.script([reply, reply], { match });
    // A short heartbeat timeout (pinned into the run when it starts) lets the retry come soon after the kill.
    const extra = { DURABLE_AGENT_HEARTBEAT_TIMEOUT_SECONDS: '2' };
    const first = await suite.worker(path.join(suite.dir, 'a.jsonl'), extra);
    const handle = await suite.env.start({ prompt: `${match}: a long story.` });

    const events: StreamEvent[] = [];
    const reading = (async () => {
      for await (const event of watchRun(suite.env.client, handle.workflowId)) events.push(event);
    })();
    await waitFor(
      'the reader to show part of the answer',
      () => events.filter((e) => e.type === 'text').length >= 5,
    );
    await first.kill();
    const shownBeforeKill = visibleText(events);
    assert.ok(shownBeforeKill.length > 0 && shownBeforeKill.length < answer.length, 'killed mid-answer');
    await suite.worker(path.join(suite.dir, 'b.jsonl'), extra);
    const result = await awaitResult(handle);
    await reading;

    assert.equal(result.status, 'completed');
    assert.equal(result.text, answer);
    const retry = events.find((e) => e.type === 'retry');
    assert.ok(retry?.type === 'retry', 'a retry event told the reader to drop the first attempt');
    assert.equal(retry.turn, 1);
    assert.ok(retry.attempt >= 2);
    // Without the rule the reader would show the first attempt's part twice.
    const naive = events.map((e) => (e.type === 'text' ? e.delta : '')).join('');
    assert.ok(naive.length > answer.length, 'the first attempt had streamed text that the retry repeats');
    assert.equal(visibleText(events), answer);
    const last = events[events.length - 1];
    assert.ok(last?.type === 'run_finished');
    assert.equal(last.status, 'completed');
    assert.equal(last.text, answer);
    assert.deepEqual(
      events.map((e) => e.offset),
      events.map((_, i) => i + 1),
    );
    assert.equal(suite.env.fake.requests.filter((r) => r.match === match).length, 2);
  });
});
