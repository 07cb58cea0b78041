// The checks of run event streams that every backend must pass, against a test env whose workers and client
// use that backend (test/integration/streams.test.ts: files; streams-redis.test.ts: Redis).
import assert from 'node:assert/strict';
import { watchRun, visibleText } from '../../src/client';
import type { StreamBackend } from '../../src/client';
import type { StreamEvent } from '../../src/shared';
import type { RecordedRequest } from '../../src/testing';
import type { TestEnv } from './env';

/** Reads a run's stream to its end, noting when each event arrived. */
export async function readAll(
  env: TestEnv,
  workflowId: string,
  options: { from?: number; backend?: StreamBackend } = {},
): Promise<Array<StreamEvent & { seenAt: number }>> {
  const events: Array<StreamEvent & { seenAt: number }> = [];
  for await (const event of watchRun(env.client, workflowId, options))
    events.push({ ...event, seenAt: Date.now() });
  return events;
}

const strip = (events: StreamEvent[]) =>
  events.map(({ seenAt: _s, ...e }: StreamEvent & { seenAt?: number }) => e);

/** The model request of a run, found by the script's match. */
function requestOf(env: TestEnv, match: string): RecordedRequest {
  const request = env.fake.requests.find((r) => r.match === match && r.path === '/v1/messages');
  assert.ok(request, `no model request for ${match}`);
  return request;
}

/** A long answer of `words` words. */
export function longAnswer(words: number): string {
  return Array.from({ length: words }, (_, i) => `word${i}`).join(' ') + '.';
}

/**
 * A reader sees the first text delta well before the model call ends, the text it assembles is the answer,
 * and the stream ends with run_finished. Returns the delta latencies seen (ms from the fake's write).
 */
export async function firstDeltaEarly(env: TestEnv, tag: string, backend?: StreamBackend): Promise<number[]> {
  const answer = longAnswer(120);
  env.fake.script([{ content: answer, deltas: 40, chunkDelayMs: 50 }], { match: tag });
  const id = `${tag.replace(/\W+/g, '-')}-${Date.now()}`;
  const handle = await env.start({ prompt: `${tag}: tell me a long story.` }, id);
  const reading = readAll(env, id, backend ? { backend } : {});
  const [events, result] = await Promise.all([reading, handle.result()]);
  const request = requestOf(env, tag);
  const firstText = events.find((e) => e.type === 'text');
  assert.ok(firstText, 'the reader saw text');
  assert.ok(request.endedAt !== undefined && request.textDeltaAt?.[0] !== undefined);
  // The stream takes about 2 s (40 deltas 50 ms apart); the first delta must reach the reader long before.
  assert.ok(
    firstText.seenAt < request.endedAt - 1000,
    `first delta seen ${request.endedAt - firstText.seenAt} ms before the model call ended`,
  );
  assert.equal(visibleText(events), answer);
  assert.equal(result.text, answer);
  const last = events[events.length - 1];
  assert.equal(last?.type, 'run_finished');
  assert.equal(last.type === 'run_finished' && last.status, 'completed');
  assert.deepEqual(
    events.map((e) => e.offset),
    events.map((_, i) => i + 1),
  );
  return deltaLatencies(events, request);
}

/** Per text delta the fake wrote: ms until a reader had text at least that long (coalescing joins deltas). */
export function deltaLatencies(
  events: Array<StreamEvent & { seenAt: number }>,
  request: RecordedRequest,
): number[] {
  const written = request.textDeltaAt ?? [];
  const seen: number[] = [];
  let pieces = 0;
  // Each event of text holds whole deltas of the fake (the SDK passes them on as they are): count them by
  // the fake's piece count, assuming equal pieces, which the fake's splitting gives.
  const total = events
    .filter((e) => e.type === 'text')
    .reduce((n, e) => n + (e as { delta: string }).delta.length, 0);
  const pieceLength = total / Math.max(1, written.length);
  let chars = 0;
  for (const event of events) {
    if (event.type !== 'text') continue;
    chars += event.delta.length;
    while (pieces < written.length && (pieces + 1) * pieceLength <= chars + 0.5) {
      seen.push(event.seenAt - (written[pieces] as number));
      pieces += 1;
    }
  }
  return seen;
}

/** A reader that stops mid-run and resumes from its last offset gets exactly what one uninterrupted read gets. */
export async function resumeMissesNothing(env: TestEnv, tag: string, backend?: StreamBackend): Promise<void> {
  env.fake.script([{ content: longAnswer(60), deltas: 30, chunkDelayMs: 40 }], { match: tag });
  const id = `${tag.replace(/\W+/g, '-')}-${Date.now()}`;
  const handle = await env.start({ prompt: `${tag}: a story, please.` }, id);
  const first: StreamEvent[] = [];
  for await (const event of watchRun(env.client, id, backend ? { backend } : {})) {
    first.push(event);
    if (first.filter((e) => e.type === 'text').length >= 3) break;
  }
  assert.ok(first.length >= 3);
  assert.notEqual(first[first.length - 1]?.type, 'run_finished', 'the reader left before the end');
  const from = first[first.length - 1]?.offset ?? 0;
  const rest = strip(await readAll(env, id, { from, ...(backend ? { backend } : {}) }));
  await handle.result();
  const whole = strip(await readAll(env, id, backend ? { backend } : {}));
  assert.deepEqual([...first, ...rest], whole);
  assert.equal(whole[whole.length - 1]?.type, 'run_finished');
}

/** A reader that starts after the run ended gets every event, then run_finished with the result. */
export async function lateReaderGetsEverything(
  env: TestEnv,
  tag: string,
  backend?: StreamBackend,
): Promise<void> {
  env.fake.script([{ content: 'A short, finished answer.', deltas: 5 }], { match: tag });
  const id = `${tag.replace(/\W+/g, '-')}-${Date.now()}`;
  const result = await env.run({ prompt: `${tag}: answer briefly.` }, id);
  const events = await readAll(env, id, backend ? { backend } : {});
  assert.ok(events.some((e) => e.type === 'text'));
  assert.deepEqual(
    events.filter((e) => e.type !== 'text').map((e) => e.type),
    ['turn_finished', 'run_finished'],
  );
  assert.deepEqual(
    events.map((e) => e.offset),
    events.map((_, i) => i + 1),
  );
  assert.equal(visibleText(events), 'A short, finished answer.');
  const last = events[events.length - 1];
  assert.ok(last?.type === 'run_finished');
  assert.equal(last.status, 'completed');
  assert.equal(last.text, result.text);
  assert.deepEqual(last.result, result);
  const turnEnd = events.find((e) => e.type === 'turn_finished');
  assert.ok(turnEnd?.type === 'turn_finished');
  assert.equal(turnEnd.stopReason, 'end_turn');
  assert.equal(turnEnd.turn, 1);
}
