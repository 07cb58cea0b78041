// Unit tests of the activities in Temporal's mock activity context: no server, no worker. callClaude talks to
// the fake Claude over real HTTP; everything else (heartbeats, cancellation) comes from the mock context.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { z } from 'zod';
import { createActivities } from '../../src/activities';
import type { CallClaudeInput } from '../../src/activities';
import { LocalDiskStore } from '../../src/store/message-store';
import { defineTool } from '../../src/activities/tools/define';
import { createToolRegistry } from '../../src/activities/tools/registry';
import { ClaudeErrorType, ToolErrorType } from '../../src/shared';
import { startFakeClaude } from '../../src/testing';
import type { FakeClaude } from '../../src/testing';
import { waitFor } from '../helpers/child-worker';

/** What the `wait_for_abort` tool saw of its signal. */
const seen: { aborted: boolean | undefined } = { aborted: undefined };

const tools = [
  defineTool({
    name: 'add',
    description: 'Adds two numbers.',
    input: z.object({ a: z.number(), b: z.number() }),
    effect: 'read',
    run: ({ a, b }) => ({ sum: a + b }),
  }),
  defineTool({
    name: 'explode',
    description: 'Always throws.',
    input: z.object({}),
    effect: 'read',
    run: () => {
      throw new Error('the backend said no');
    },
  }),
  defineTool({
    name: 'wait_for_abort',
    description: 'Runs until its abort signal fires.',
    input: z.object({}),
    effect: 'read',
    run: (_input, ctx) =>
      new Promise((_resolve, reject) => {
        seen.aborted = ctx.signal.aborted;
        ctx.signal.addEventListener('abort', () => {
          seen.aborted = true;
          reject(new Error('stopped'));
        });
      }),
  }),
];
const registry = createToolRegistry(tools);

let fake: FakeClaude;
let dir: string;
let activities: ReturnType<typeof createActivities>;

before(async () => {
  fake = await startFakeClaude();
  dir = await mkdtemp(path.join(os.tmpdir(), 'activities-'));
  activities = createActivities({
    anthropic: new Anthropic({ apiKey: 'test-key', baseURL: fake.url, maxRetries: 0 }),
    tools: registry,
    store: new LocalDiskStore(dir),
    redact: (text) => text,
    // Only a cancellation may abort a stalled stream in these tests, never the idle timer.
    modelCallLimits: { maxRetryAfterMs: 60_000, streamIdleTimeoutMs: 600_000 },
  });
});
after(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

const info = { workflowExecution: { workflowId: 'unit-run', runId: 'r1' } };
// A fresh context per call: a cancelled mock context stays cancelled. Failures are expected, so not logged.
// A fresh context per call: a cancelled one stays cancelled. Expected failures are not logged.
const context = (attempt = 1) =>
  new MockActivityEnvironment({ ...info, attempt }, { logger: new DefaultLogger('ERROR') });

/** Runs an activity in a mock context, typed (the mock's own `run` cannot infer the result). */
function exec<A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  return runIn(context(), fn, ...args);
}
function runIn<A extends unknown[], R>(
  env: MockActivityEnvironment,
  fn: (...args: A) => Promise<R>,
  ...args: A
): Promise<R> {
  return env.run(fn, ...args) as Promise<R>;
}

/** Pins a run with this prompt in the mock context and returns a model call for its first turn. */
async function firstCall(prompt: string): Promise<CallClaudeInput> {
  const run = await exec(activities.pinRun, { input: { prompt } });
  return {
    model: run.plan.model,
    maxTokens: 256,
    pinned: run.pinned,
    head: run.head,
    append: [],
    disableParallelToolUse: false,
    promptCaching: false,
  };
}

const toolCall = (name: string, input: unknown) => ({
  name,
  toolUseId: `toolu_${name}`,
  input,
  schemaHash: registry.spec(name)?.schemaHash ?? '',
});

describe('callClaude', () => {
  it('returns the reply and stores it after the prompt', async () => {
    fake.script(
      [
        {
          content: [
            { type: 'text', text: 'Let me add.' },
            { type: 'tool_use', name: 'add', input: { a: 1, b: 2 } },
          ],
        },
      ],
      { match: 'plain reply' },
    );
    const out = await exec(activities.callClaude, await firstCall('A plain reply.'));
    assert.equal(out.text, 'Let me add.');
    assert.equal(out.stopReason, 'tool_use');
    assert.deepEqual(
      out.toolUses.map((t) => [t.name, t.input]),
      [['add', { a: 1, b: 2 }]],
    );
    assert.equal(out.appended, 1);
    assert.ok(out.usage.output_tokens > 0);
    const [request] = fake.requests.filter((r) => r.match === 'plain reply');
    assert.deepEqual((request?.body as { messages: unknown[] }).messages, [
      { role: 'user', content: 'A plain reply.' },
    ]);
  });

  it('turns a 429 with retry-after into a retryable failure that asks for that delay', async () => {
    fake.script([{ fault: 'status', status: 429, retryAfterSeconds: 7 }], { match: 'rate limited' });
    const call = await firstCall('Answer while rate limited.');
    await assert.rejects(exec(activities.callClaude, call), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure, String(err));
      assert.equal(err.type, ClaudeErrorType.RateLimited);
      assert.equal(err.nonRetryable, false);
      assert.equal(err.nextRetryDelay, 7000);
      return true;
    });
  });

  it('heartbeats on its timer while the reply streams, each beat carrying the progress so far', async () => {
    // 60 ms between chunks: over half a second of stream, against a beat every 100 ms (half of 200 ms).
    fake.script([{ content: 'one two three four five six seven eight', chunkDelayMs: 60 }], {
      match: 'streamed',
    });
    const env = new MockActivityEnvironment(
      { ...info, heartbeatTimeoutMs: 200 },
      { logger: new DefaultLogger('ERROR') },
    );
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    const out = await runIn(env, activities.callClaude, await firstCall('A streamed reply.'));
    assert.equal(out.text, 'one two three four five six seven eight');
    const progress = beats.filter((b): b is { event?: string; events: number } => b !== undefined);
    assert.ok(progress.length >= 2, `beats: ${JSON.stringify(beats)}`);
    const counts = progress.map((b) => b.events);
    assert.deepEqual(
      counts,
      [...counts].sort((a, b) => a - b),
      'the event count never goes back',
    );
    assert.ok(
      progress.some((b) => b.event === 'content_block_delta'),
      JSON.stringify(progress),
    );
    // Fewer beats than stream events: a beat per event would be a server write per event (and would make the
    // number of beats equal to the last beat's event count).
    assert.ok(progress.length < (counts[counts.length - 1] ?? 0), JSON.stringify(progress));
  });

  it('aborts the HTTP request when the activity is cancelled', async () => {
    fake.script([{ fault: 'stall', afterEvents: 1 }], { match: 'never finishes' });
    const env = context();
    const running = runIn(env, activities.callClaude, await firstCall('A reply that never finishes.'));
    const cancelled = assert.rejects(running, (err: unknown) => err instanceof CancelledFailure);
    const request = () => fake.requests.find((r) => r.match === 'never finishes');
    await waitFor('the request to reach the fake', () => request() !== undefined);
    env.cancel();
    await waitFor('the fake to see the client go away', () => request()?.aborted === true);
    await cancelled;
  });
});

describe('runTool', () => {
  it('returns what the tool returned, as text, with the attempt', async () => {
    const out = await runIn(context(2), activities.runTool, toolCall('add', { a: 2, b: 3 }));
    assert.equal(out.content, '{"sum":5}');
    assert.equal(out.attempt, 2);
  });

  it('turns a thrown error into a typed failure that names the attempt', async () => {
    await assert.rejects(exec(activities.runTool, toolCall('explode', {})), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure, String(err));
      assert.equal(err.type, ToolErrorType.Failed);
      assert.equal(err.message, 'the backend said no');
      assert.deepEqual(err.details, [{ attempt: 1 }]);
      return true;
    });
  });

  it('refuses input that does not match the schema, without running the tool', async () => {
    await assert.rejects(
      exec(activities.runTool, toolCall('add', { a: 'one' })),
      (err: unknown) =>
        err instanceof ApplicationFailure && err.type === ToolErrorType.InvalidInput && err.nonRetryable,
    );
  });

  it("passes the activity's cancellation to the tool's abort signal", async () => {
    seen.aborted = undefined;
    const env = context();
    const running = runIn(env, activities.runTool, toolCall('wait_for_abort', {}));
    const cancelled = assert.rejects(running, (err: unknown) => err instanceof CancelledFailure);
    await waitFor('the tool to start', () => seen.aborted !== undefined);
    assert.equal(seen.aborted, false);
    env.cancel();
    await cancelled;
    assert.equal(seen.aborted, true);
  });
});
