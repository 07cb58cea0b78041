// Integration tests: worker processes killed with SIGKILL mid-run, a real Temporal dev server, the fake
// Claude over real HTTP. A replacement worker finishes every run; finished model calls and tool calls are
// never made again; only the call in flight is retried.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { awaitResult } from '../../src/client';
import type { RunHandle } from '../../src/client';
import type { MessageParam } from '../../src/shared';
import type { FakeTurn, MessagesRequestBody } from '../../src/testing';
import { childWorkerSuite, readExecutions, waitFor } from '../helpers/child-worker';

const suite = childWorkerSuite('crash');
const worker = (log: string) => suite.worker(log);

const toolResultCount = (messages: MessageParam[]) =>
  messages.flatMap((m) => (Array.isArray(m.content) ? m.content : [])).filter((b) => b.type === 'tool_result')
    .length;

/** A chain: each turn asks for the next step until every step has a result; `slowTurn` answers slowly once. */
function chain(steps: number[], slowTurn?: number): FakeTurn[] {
  let slowDone = false;
  const reply = ({ body }: { body: MessagesRequestBody }) => {
    const done = toolResultCount(body.messages as MessageParam[]);
    const turn = done + 1;
    const delayMs = turn === slowTurn && !slowDone ? ((slowDone = true), 4000) : 0;
    if (done >= steps.length) return { content: `All ${steps.length} steps done.`, delayMs };
    return {
      content: [{ type: 'tool_use', name: 'step', input: { n: turn, ms: steps[done] ?? 0 } }],
      delayMs,
    };
  };
  // More turns than the chain needs: retried model calls take a turn each.
  return Array.from({ length: steps.length * 3 + 3 }, () => reply);
}

/** Model requests of a run, keyed by how many messages they carried (one key per turn). */
function requestsByTurn(match: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (const r of suite.env.fake.requests.filter((q) => q.match === match && q.path === '/v1/messages')) {
    const n = (r.body as { messages: MessageParam[] }).messages.length;
    counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  return counts;
}

function startsByStep(log: string): Map<number, { attempts: number[]; keys: Set<string> }> {
  const steps = new Map<number, { attempts: number[]; keys: Set<string> }>();
  for (const e of readExecutions(log).filter((x) => x.event === 'start')) {
    const n = Number(e.input?.n);
    const entry = steps.get(n) ?? { attempts: [], keys: new Set<string>() };
    entry.attempts.push(e.attempt ?? 0);
    entry.keys.add(e.idempotencyKey);
    steps.set(n, entry);
  }
  return steps;
}

describe('crash matrix', () => {
  it('resumes after the worker is killed during the model call of turn 3', async () => {
    const log = path.join(suite.dir, 'a.jsonl');
    const match = 'crash during model call';
    suite.env.fake.script(chain([100, 100, 100], 3), { match });
    const first = await worker(log);
    const handle = await suite.env.start({ prompt: `Job: ${match}.` });
    // Turn 3's request carries 5 messages: the prompt and two assistant/tool-result pairs.
    await waitFor('the model call of turn 3', () => (requestsByTurn(match).get(5) ?? 0) > 0);
    await first.kill();
    const second = await worker(log);
    const result = await awaitResult(handle);

    assert.equal(result.status, 'completed');
    assert.equal(result.text, 'All 3 steps done.');
    // Turns 1, 2 and 4 were asked once; turn 3, in flight at the kill, twice.
    assert.deepEqual(
      [...requestsByTurn(match)].sort(([a], [b]) => a - b),
      [
        [1, 1],
        [3, 1],
        [5, 2],
        [7, 1],
      ],
    );
    const steps = startsByStep(log);
    assert.deepEqual([...steps.keys()].sort(), [1, 2, 3]);
    for (const [n, s] of steps) assert.deepEqual(s.attempts, [1], `step ${n} ran once`);
    const retried = suite.env.fake.requests.filter(
      (r) => r.match === match && (r.body as { messages: unknown[] }).messages.length === 5,
    );
    const recovery = (retried[1]?.receivedAt ?? 0) - second.readyAt;
    console.log(
      `crash during model call: retried model call reached Claude ${recovery} ms after the replacement worker was ready`,
    );
  });

  it('resumes after the worker is killed while tool 4 of a chain runs, with the same idempotency key', async () => {
    const log = path.join(suite.dir, 'b.jsonl');
    const match = 'crash during tool four';
    suite.env.fake.script(chain([100, 100, 100, 3000, 100]), { match });
    const first = await worker(log);
    const handle = await suite.env.start({ prompt: `Job: ${match}.` });
    await waitFor('step 4 to start', () => startsByStep(log).has(4));
    await first.kill();
    const second = await worker(log);
    const result = await awaitResult(handle);

    assert.equal(result.status, 'completed');
    const steps = startsByStep(log);
    for (const n of [1, 2, 3, 5]) assert.deepEqual(steps.get(n)?.attempts, [1], `step ${n} ran once`);
    assert.deepEqual(steps.get(4)?.attempts, [1, 2], 'only the step in flight was retried');
    assert.equal(steps.get(4)?.keys.size, 1, 'the retry had the same idempotency key');
    for (const [, count] of requestsByTurn(match)) assert.equal(count, 1, 'no model call was made twice');
    const end = readExecutions(log).find((e) => e.event === 'end' && e.attempt === 2);
    const recovery = (end?.at ?? 0) - 3000 - second.readyAt;
    console.log(
      `crash during tool 4: retried tool started ${recovery} ms after the replacement worker was ready (its own 3 s excluded)`,
    );
    assert.equal(result.toolCalls.find((c) => (c.input as { n: number }).n === 4)?.attempts, 2);
  });

  it('resumes after the worker is killed while a fan-out of four tools is half done', async () => {
    const log = path.join(suite.dir, 'c.jsonl');
    const match = 'crash during fan-out';
    const delays = [100, 300, 4000, 4000];
    suite.env.fake.script(
      [
        { content: delays.map((ms, i) => ({ type: 'tool_use', name: 'step', input: { n: i + 1, ms } })) },
        { content: 'Four steps done.' },
      ],
      { match },
    );
    const first = await worker(log);
    const handle = await suite.env.start({ prompt: `Job: ${match}.` });
    await waitFor(
      'two of four tools to finish',
      () => readExecutions(log).filter((e) => e.event === 'end').length === 2,
    );
    // A tool logs its end just before its worker reports the result; wait until the server has recorded both
    // results, so that the two finished calls are finished for Temporal too when the worker dies.
    await waitForCompletedToolCalls(handle, 2);
    await first.kill();
    await worker(log);
    const result = await awaitResult(handle);

    assert.equal(result.status, 'completed');
    const steps = startsByStep(log);
    assert.deepEqual(steps.get(1)?.attempts, [1]);
    assert.deepEqual(steps.get(2)?.attempts, [1]);
    assert.deepEqual(steps.get(3)?.attempts, [1, 2]);
    assert.deepEqual(steps.get(4)?.attempts, [1, 2]);
    for (const [, count] of requestsByTurn(match)) assert.equal(count, 1, 'no model call was made twice');
  });
});

/** Polls the run's history until `count` runTool activities have completed. */
async function waitForCompletedToolCalls(handle: RunHandle, count: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const events = (await handle.fetchHistory()).events ?? [];
    const toolActivities = new Set(
      events
        .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runTool')
        .map((e) => String(e.eventId)),
    );
    const completed = events.filter((e) =>
      toolActivities.has(String(e.activityTaskCompletedEventAttributes?.scheduledEventId)),
    ).length;
    if (completed >= count) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} tool calls to complete`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
