// Integration tests: a real Temporal dev server, worker processes, the fake Claude over real HTTP.
// Tools with `isolation: 'process'` run each call in a child process: one that exits or hangs costs its own
// call, never the worker or its slots.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { awaitResult } from '../../src/client';
import { ToolErrorType } from '../../src/shared';
import type { MessageParam, ToolResultBlock } from '../../src/shared';
import { childWorkerSuite, processAlive, waitFor } from '../helpers/child-worker';

const ISOLATED_TOOLS = path.resolve(__dirname, '..', 'helpers', 'isolated-tools.ts');
const suite = childWorkerSuite('tool-isolation');

function script(match: string, calls: Array<{ id: string; name: string }>) {
  suite.env.fake.script(
    [
      { content: calls.map(({ id, name }) => ({ type: 'tool_use' as const, id, name, input: {} })) },
      { content: 'Done.' },
    ],
    { match },
  );
}

// The tool_result blocks of the last request of this script, as the model received them.
function resultsSent(match: string): ToolResultBlock[] {
  const requests = suite.env.fake.requests.filter((r) => r.match === match);
  const messages = (requests[requests.length - 1]?.body as { messages: MessageParam[] }).messages;
  return messages[messages.length - 1]?.content as ToolResultBlock[];
}

describe('tool isolation', () => {
  it('a tool that calls process.exit fails only its call; the worker lives and runs the next run', async () => {
    const worker = await suite.worker(path.join(suite.dir, 'exit.jsonl'), {
      DURABLE_AGENT_TOOLS: ISOLATED_TOOLS,
    });
    script('end the process', [
      { id: 'toolu_exit_read', name: 'exits_process' },
      { id: 'toolu_exit_unsafe', name: 'exits_unsafe' },
    ]);
    const handle = await suite.env.start({ prompt: 'Please call the tools that end the process.' });
    const exited = await awaitResult(handle);
    assert.deepEqual(
      exited.toolCalls.map((c) => [c.name, c.status]),
      [
        ['exits_process', 'failed'],
        ['exits_unsafe', 'outcome_unknown'],
      ],
    );
    assert.deepEqual(
      resultsSent('end the process').map((r) => r.is_error),
      [true, true],
    );
    assert.match(exited.toolCalls[0]?.error?.message ?? '', /exited with code 1/);
    const failures = (await handle.fetchHistory()).events?.flatMap((e) =>
      e.activityTaskFailedEventAttributes?.failure?.applicationFailureInfo?.type
        ? [e.activityTaskFailedEventAttributes.failure.applicationFailureInfo.type]
        : [],
    );
    assert.deepEqual(failures?.sort(), [ToolErrorType.ProcessExited, ToolErrorType.OutcomeUnknown].sort());
    assert.equal(worker.process.exitCode, null, 'the worker is still running');

    script('pids', [
      { id: 'toolu_pid', name: 'reports_pid' },
      { id: 'toolu_pid_isolated', name: 'reports_pid_isolated' },
    ]);
    const pids = await suite.env.run({ prompt: 'Please report the pids.' });
    assert.deepEqual(
      pids.toolCalls.map((c) => c.status),
      ['succeeded', 'succeeded'],
    );
    const [inWorker, isolated] = resultsSent('pids').map(
      (r) => JSON.parse(String(r.content)) as { pid: number; idempotencyKey?: string },
    );
    assert.equal(inWorker?.pid, worker.process.pid, 'a tool without isolation runs in the worker');
    assert.notEqual(isolated?.pid, worker.process.pid, 'an isolated tool runs in a process of its own');
    assert.match(isolated?.idempotencyKey ?? '', /\/toolu_pid_isolated$/);
  });

  it('a hung isolated call is killed after its timeout and grace period, and its slot serves the next call', async () => {
    const log = path.join(suite.dir, 'spin.jsonl');
    // One activity slot: if the hung call kept it, no other tool (nor the run's bookkeeping) could run again.
    await suite.worker(log, {
      DURABLE_AGENT_TOOLS: ISOLATED_TOOLS,
      DURABLE_AGENT_MAX_CONCURRENT_ACTIVITIES: '1',
      DURABLE_AGENT_TOOL_STOP_GRACE_SECONDS: '0.3',
    });
    script('hang', [{ id: 'toolu_spin', name: 'loops_forever' }]);
    const hung = await suite.env.run({ prompt: 'Please hang.' });
    assert.equal(hung.toolCalls[0]?.status, 'timed_out');
    const spin = readFileSync(log, 'utf8')
      .split('\n')
      .filter((line) => line.includes('"spin"'))
      .map((line) => JSON.parse(line) as { pid: number });
    assert.equal(spin.length, 1);
    const pid = spin[0]!.pid;
    await waitFor('the spinning process to be killed', () => !processAlive(pid));

    script('afterwards', [{ id: 'toolu_after', name: 'reports_pid' }]);
    const next = await suite.env.run({ prompt: 'Please call a tool afterwards.' });
    assert.equal(next.toolCalls[0]?.status, 'succeeded');
  });
});
