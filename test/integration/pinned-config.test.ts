// Integration tests: a run records its model, system prompt and each tool's schema hash and effect at start.
// A worker deployed mid-run with changed or removed tools does not silently change the run in flight.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Worker } from '@temporalio/worker';
import { z } from 'zod';
import { defineTool } from '../../src/activities/tools/define';
import type { AnyTool } from '../../src/activities/tools/define';
import { awaitResult } from '../../src/client';
import type { MessageParam, ToolResultBlock } from '../../src/shared';
import { waitFor } from '../helpers/child-worker';
import { useTestEnv } from '../helpers/env';

const env = useTestEnv(null);

const ran: string[] = [];
const lookupV1 = defineTool({
  name: 'lookup',
  description: 'Look up a record.',
  input: z.object({ id: z.string() }),
  effect: 'read',
  run: ({ id }) => (ran.push(`v1:${id}`), `record ${id}`),
});
const lookupV2 = defineTool({
  ...lookupV1,
  input: z.object({ id: z.string(), region: z.enum(['eu', 'us']) }),
  run: ({ id }) => (ran.push(`v2:${id}`), `record ${id}`),
});
const other = defineTool({
  name: 'other',
  description: 'Something else.',
  input: z.object({}),
  effect: 'read',
  run: () => 'ok',
});

/** Starts a run on a worker with `before` tools; swaps to a worker with `after` tools while the first model call is in flight. */
async function swapMidRun(match: string, before: AnyTool[], after: AnyTool[]) {
  env.fake.script(
    [
      { content: 'thinking', stopReason: 'pause_turn', delayMs: 300 },
      {
        content: [
          { type: 'tool_use', id: `toolu_${match.replace(/ /g, '_')}`, name: 'lookup', input: { id: '7' } },
        ],
      },
      { content: 'Done.' },
    ],
    { match },
  );
  let first: Worker | undefined = await env.startWorker(before);
  const handle = await env.start({ prompt: `Pinned: ${match}.`, system: 'You look things up.' });
  await waitFor('the first model call', () => env.fake.requests.some((r) => r.match === match));
  first.shutdown();
  first = undefined;
  const second = await env.startWorker(after);
  const result = await awaitResult(handle);
  second.shutdown();
  const requests = env.fake.requests.filter((r) => r.match === match);
  const last = requests[requests.length - 1]?.body as {
    messages: MessageParam[];
    tools: Array<{ name: string; input_schema: unknown }>;
    system: Array<{ text: string }>;
  };
  const results = last.messages[last.messages.length - 1]?.content as ToolResultBlock[];
  return { result, last, toolResult: results[0] };
}

describe('pinned run configuration', () => {
  it('reports a tool whose schema changed mid-run as is_error instead of calling the new version', async () => {
    const { result, last, toolResult } = await swapMidRun(
      'schema changed',
      [lookupV1, other],
      [lookupV2, other],
    );
    assert.equal(result.status, 'completed');
    assert.equal(toolResult?.is_error, true);
    assert.match(String(toolResult?.content), /"lookup" changed after the run started/);
    assert.deepEqual(ran, [], 'neither version ran');
    // The model keeps seeing the tools and system prompt the run started with.
    const schema = last.tools.find((t) => t.name === 'lookup')?.input_schema as {
      properties: Record<string, unknown>;
    };
    assert.deepEqual(Object.keys(schema.properties), ['id']);
    assert.equal(last.system[0]?.text, 'You look things up.');
  });

  it('reports a tool removed mid-run as is_error', async () => {
    const { result, toolResult } = await swapMidRun('tool removed', [lookupV1, other], [other]);
    assert.equal(result.status, 'completed');
    assert.equal(toolResult?.is_error, true);
    assert.match(String(toolResult?.content), /no tool named "lookup"; it was removed after the run started/);
  });

  it('runs the tool when the new worker has the same version', async () => {
    const { toolResult } = await swapMidRun('unchanged', [lookupV1, other], [lookupV1, other]);
    assert.equal(toolResult?.is_error, undefined);
    assert.deepEqual(ran, ['v1:7']);
  });
});
