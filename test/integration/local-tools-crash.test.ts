// Integration tests: worker processes killed with SIGKILL, a real Temporal dev server, the fake Claude over real
// HTTP. A tool run as a local activity lives inside its worker's workflow task: when that worker dies mid-call,
// the server notices only when the workflow task times out, and another worker runs the call again.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { awaitResult } from '../../src/client';
import { childWorkerSuite, readExecutions, waitFor } from '../helpers/child-worker';
import { lastToolResults } from '../helpers/fake-requests';

const suite = childWorkerSuite('local-crash');
const TOOLS = path.resolve(__dirname, '..', 'helpers', 'local-tools.ts');

describe('a local-activity tool whose worker dies', () => {
  it('reruns the call on another worker once the workflow task times out', async () => {
    const log = path.join(suite.dir, 'crash.jsonl');
    const first = await suite.worker(log, { DURABLE_AGENT_TOOLS: TOOLS });
    suite.env.fake.script(
      [
        {
          content: [
            {
              type: 'tool_use',
              id: 'toolu_crash',
              name: 'lookup_local',
              input: { key: 'k', delayMs: 3_000 },
            },
          ],
        },
        { content: 'Done.' },
      ],
      { match: 'crash' },
    );
    const handle = await suite.env.start({ prompt: 'Look up k after a crash.' });
    const starts = () => readExecutions(log).filter((e) => e.event === 'start' && e.tool === 'lookup_local');
    await waitFor('the local tool to start', () => starts().length === 1);
    await first.kill();
    const killedAt = Date.now();
    const second = await suite.worker(log, { DURABLE_AGENT_TOOLS: TOOLS });

    const result = await awaitResult(handle);
    assert.equal(result.status, 'completed');
    assert.equal(lastToolResults(suite.env.fake, 'crash').get('toolu_crash')?.content, 'value of k');
    assert.deepEqual(
      starts().map((e) => e.pid),
      [first.process.pid, second.process.pid],
      'the call ran again on the second worker',
    );
    const ends = readExecutions(log).filter((e) => e.event === 'end' && e.tool === 'lookup_local');
    assert.deepEqual(
      ends.map((e) => e.pid),
      [second.process.pid],
    );

    const events = (await handle.fetchHistory()).events ?? [];
    // Noticed through the workflow task's timeout (10 s by default), not a heartbeat timeout.
    assert.ok(events.some((e) => e.workflowTaskTimedOutEventAttributes));
    assert.equal(events.filter((e) => e.markerRecordedEventAttributes).length, 1);
    assert.ok(Date.now() - killedAt >= 5_000, 'recovery waited for the workflow task timeout');
  });
});
