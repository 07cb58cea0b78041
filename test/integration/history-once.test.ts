// Integration tests: a real Temporal dev server, a worker in this process, the fake Claude over real HTTP.
// What a turn writes to history: a tool's result at most once (it used to be in the tool activity's result and
// again in the next model call's input), and a search attribute upsert only when a value changed.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { defineTool } from '../../src/activities/tools/define';
import { awaitResult, loadTranscript } from '../../src/client';
import type { MessageParam, ToolResultBlock } from '../../src/shared';
import { PROGRESS_EVERY_CALLS } from '../../src/shared/run-plan';
import { AgentIteration, AgentStatus, AgentTotalTokens } from '../../src/shared/search-attributes';
import type { FakeTurn, MessagesRequestBody } from '../../src/testing';
import { useTestEnv } from '../helpers/env';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const { EventType } = temporal.api.enums.v1;

const RESULT_BYTES = 1024;
const TURNS = 3;

/** Returns 1 KiB of text that starts with a marker of its own (the marker is not in the tool's input). */
const lookup = defineTool({
  name: 'lookup',
  description: 'Looks up a record.',
  input: z.object({ n: z.number().int(), run: z.string() }),
  effect: 'read',
  run: ({ n, run }) => `${resultMarker(run, n)} ${'record field; '.repeat(100)}`.slice(0, RESULT_BYTES),
});

const env = useTestEnv([lookup]);

function resultMarker(run: string, n: number): string {
  return `RESULT-${run.split('').reverse().join('')}-${n}`;
}

const toolResults = (messages: MessageParam[]) =>
  messages
    .flatMap((m) => (Array.isArray(m.content) ? m.content : []))
    .filter((b): b is ToolResultBlock => b.type === 'tool_result');

/** Asks for record n+1 until `count` have come back, then answers. */
function lookups(run: string, count: number): FakeTurn[] {
  const reply = ({ body }: { body: MessagesRequestBody }) => {
    const done = toolResults(body.messages as MessageParam[]).length;
    if (done >= count) return { content: `Read ${done} records.` };
    return { content: [{ type: 'tool_use', name: 'lookup', input: { n: done + 1, run } }] };
  };
  return Array.from({ length: count + 1 }, () => reply);
}

/** Every payload of the history as text (payload data is bytes in the history's protobuf form). */
function payloadText(events: HistoryEvent[]): string {
  const parts: string[] = [];
  const walk = (value: unknown): void => {
    if (value instanceof Uint8Array) parts.push(Buffer.from(value).toString('utf8'));
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(events);
  return parts.join('\n');
}

const occurrences = (text: string, needle: string) => text.split(needle).length - 1;

async function runLookups(count: number) {
  const run = randomUUID();
  const prompt = `Look up ${count} records for ${run}.`;
  env.fake.script(lookups(run, count), { match: prompt });
  const handle = await env.start({ prompt, tools: ['lookup'] });
  const result = await awaitResult(handle);
  assert.equal(result.status, 'completed');
  const history = await env.client.workflow.getHandle(handle.workflowId).fetchHistory();
  return { run, prompt, result, handle, events: history.events ?? [] };
}

describe('history per turn', () => {
  it('writes a 1 KiB tool result to history at most once, and the model and the transcript still get it whole', async () => {
    const { run, prompt, result, events } = await runLookups(TURNS);
    assert.equal(result.toolCalls.length, TURNS);

    const text = payloadText(events);
    for (let n = 1; n <= TURNS; n++) {
      const seen = occurrences(text, resultMarker(run, n));
      assert.ok(seen <= 1, `result ${n} is in the history ${seen} times`);
    }

    // The model saw every result in full, in the last request.
    const requests = env.fake.requests.filter((r) => r.match === prompt);
    const last = (requests[requests.length - 1]?.body as { messages: MessageParam[] }).messages;
    const sent = toolResults(last);
    assert.equal(sent.length, TURNS);
    sent.forEach((block, i) => {
      assert.equal(block.content_ref, undefined);
      assert.ok(String(block.content).startsWith(resultMarker(run, i + 1)));
      assert.equal(Buffer.byteLength(String(block.content)), RESULT_BYTES);
    });

    // Readers of the stored transcript get the same whole results.
    const transcript = await loadTranscript(result.transcript);
    const stored = toolResults(transcript);
    assert.deepEqual(
      stored.map((b) => b.content),
      sent.map((b) => b.content),
    );
  });

  it('upserts search attributes only when one changed, and they end with the run’s figures', async () => {
    // Six tool turns and the answer: 7 model calls, so progress is upserted once on its own (at the 4th).
    const turns = 6;
    const { result, handle, events } = await runLookups(turns);

    // Each upsert changes at least one attribute from what the run had upserted before.
    const current = new Map<string, string>();
    let upserts = 0;
    const iterations: number[] = [];
    for (const event of events) {
      if (event.eventType !== EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES) continue;
      const fields =
        event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {};
      const values = Object.entries(fields).map(
        ([key, payload]) => [key, Buffer.from(payload.data ?? new Uint8Array()).toString()] as const,
      );
      assert.ok(
        values.some(([key, value]) => current.get(key) !== value),
        `upsert ${event.eventId} changes nothing: ${JSON.stringify(values)}`,
      );
      for (const [key, value] of values) current.set(key, value);
      const iteration = values.find(([key]) => key === AgentIteration.name)?.[1];
      if (iteration !== undefined) iterations.push(Number(iteration));
      upserts += 1;
    }
    // The start, progress every PROGRESS_EVERY_CALLS model calls, and the end (status and final figures).
    const modelCalls = turns + 1;
    assert.equal(PROGRESS_EVERY_CALLS, 4);
    assert.deepEqual(iterations, [0, 4, modelCalls]);
    assert.equal(upserts, 3);

    const described = await env.client.workflow.getHandle(handle.workflowId).describe();
    const attributes = described.typedSearchAttributes;
    assert.equal(attributes.get(AgentStatus), 'completed');
    assert.equal(attributes.get(AgentIteration), modelCalls);
    const { inputTokens, outputTokens, cacheReadInputTokens, cacheCreationInputTokens } = result.usage;
    assert.equal(
      attributes.get(AgentTotalTokens),
      inputTokens + outputTokens + cacheReadInputTokens + cacheCreationInputTokens,
    );
  });
});
