// Integration tests: a worker process killed with SIGKILL while a sub-agent's child run works, a real Temporal
// dev server, the fake Claude over real HTTP. A new worker finishes parent and child; nothing done is redone.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { awaitResult } from '../../src/client';
import { childWorkerSuite, readExecutions, waitFor } from '../helpers/child-worker';

const suite = childWorkerSuite('subagents-crash');

describe('sub-agents and worker crashes', () => {
  it('finishes parent and child after the worker is killed during the child tool call, repeating no completed call', async () => {
    const log = path.join(suite.dir, 'executions.jsonl');
    const parent = 'parent of the crashing child';
    const task = 'child chain that crashes';
    suite.env.fake.script(
      [
        { content: [{ type: 'tool_use', id: 'toolu_parent_1', name: 'worker_bee', input: { task } }] },
        { content: 'The child finished.' },
      ],
      { match: parent },
    );
    suite.env.fake.script(
      [
        { content: [{ type: 'tool_use', id: 'toolu_child_1', name: 'step', input: { n: 1, ms: 50 } }] },
        { content: [{ type: 'tool_use', id: 'toolu_child_2', name: 'step', input: { n: 2, ms: 3000 } }] },
        { content: 'Both steps done.' },
      ],
      { match: task },
    );
    const first = await suite.worker(log);
    const workflowId = `subagents-crash-${Date.now()}`;
    const handle = await suite.env.start(
      {
        prompt: `I am the ${parent}.`,
        tools: ['step'],
        subagents: [{ name: 'worker_bee', description: 'Runs steps.', tools: ['step'] }],
      },
      workflowId,
    );
    const startsOf = (id: string) =>
      readExecutions(log).filter((e) => e.event === 'start' && e.toolUseId === id);
    await waitFor('the child step 2 to start', () => startsOf('toolu_child_2').length === 1);
    await first.kill();
    await suite.worker(log);
    const result = await awaitResult(handle);

    assert.equal(result.status, 'completed');
    assert.equal(result.text, 'The child finished.');
    const record = result.toolCalls.find((c) => c.toolUseId === 'toolu_parent_1');
    assert.equal(record?.status, 'succeeded');
    assert.equal(record?.child?.workflowId, `${workflowId}/toolu_parent_1`);
    assert.equal(record?.child?.status, 'completed');
    // Step 1 had finished and ran once; only step 2, in flight at the kill, ran again.
    assert.deepEqual(
      startsOf('toolu_child_1').map((e) => e.attempt),
      [1],
    );
    assert.deepEqual(
      startsOf('toolu_child_2').map((e) => e.attempt),
      [1, 2],
    );
    // Every model call of parent and child was made once: finished ones came back from history.
    const requests = (match: string) => suite.env.fake.requests.filter((r) => r.match === match).length;
    assert.equal(requests(parent), 2);
    assert.equal(requests(task), 3);
  });
});
