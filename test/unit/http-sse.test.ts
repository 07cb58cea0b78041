// Unit tests (no workers, no servers): the SSE framing of `durable-agent serve`, resuming from Last-Event-ID or
// ?from=, heartbeats, and a reader that goes away stopping the watch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpError } from '../../src/http/errors';
import { eventStream, firstOffset, sseFrame } from '../../src/http/sse';
import type { WatchEvents } from '../../src/http/sse';
import type { StreamEvent } from '../../src/shared/stream-events';

const EVENTS: StreamEvent[] = [
  { offset: 1, type: 'text', turn: 1, attempt: 1, delta: 'Hel' },
  { offset: 2, type: 'text', turn: 1, attempt: 1, delta: 'lo' },
  {
    offset: 3,
    type: 'turn_finished',
    turn: 1,
    stopReason: 'end_turn',
    usage: { input_tokens: 1, output_tokens: 2, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  },
  { offset: 4, type: 'run_finished', status: 'completed', text: 'Hello' },
  { offset: 5, type: 'text', turn: 2, attempt: 1, delta: 'after the end' },
];

/** A watch over EVENTS that records the offset it was asked for. */
function scripted(events = EVENTS) {
  const calls: number[] = [];
  const watch: WatchEvents = async function* (_id, from) {
    calls.push(from);
    // Hands back every event, even those before `from`: the stream must not repeat them.
    for (const event of events) yield event;
  };
  return { watch, calls };
}

/** The `id:` lines of an SSE body, in order. */
const ids = (body: string) => [...body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));

const request = (query = '', headers: Record<string, string> = {}, signal?: AbortSignal) =>
  new Request(`http://localhost/runs/r1/events${query}`, { headers, ...(signal ? { signal } : {}) });

describe('SSE event stream', () => {
  it('frames each event as event: type, id: offset and one JSON data line', async () => {
    assert.equal(
      sseFrame(EVENTS[0]!),
      'event: text\nid: 1\ndata: {"offset":1,"type":"text","turn":1,"attempt":1,"delta":"Hel"}\n\n',
    );
    const { watch } = scripted();
    const response = eventStream(request(), watch, 'r1', { endAfterRunFinished: true });
    assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const body = await response.text();
    assert.ok(body.startsWith(': connected\n\n'));
    assert.ok(body.includes(sseFrame(EVENTS[1]!)));
    const data = [...body.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]!) as StreamEvent);
    assert.deepEqual(data, EVENTS.slice(0, 4));
  });

  it('ends a run stream after run_finished, but keeps a session stream going', async () => {
    const run = await eventStream(request(), scripted().watch, 'r1', { endAfterRunFinished: true }).text();
    assert.deepEqual(ids(run), [1, 2, 3, 4]);
    const session = await eventStream(request(), scripted().watch, 's1', {
      endAfterRunFinished: false,
    }).text();
    assert.deepEqual(ids(session), [1, 2, 3, 4, 5]);
  });

  it('resumes after Last-Event-ID, from ?from=, and prefers Last-Event-ID when both come', async () => {
    const a = scripted();
    const afterTwo = await eventStream(request('', { 'last-event-id': '2' }), a.watch, 'r1', {
      endAfterRunFinished: true,
    }).text();
    assert.deepEqual(a.calls, [3]);
    assert.deepEqual(ids(afterTwo), [3, 4]);

    const b = scripted();
    const fromTwo = await eventStream(request('?from=2'), b.watch, 'r1', {
      endAfterRunFinished: true,
    }).text();
    assert.deepEqual(b.calls, [2]);
    assert.deepEqual(ids(fromTwo), [2, 3, 4]);

    const c = scripted();
    await eventStream(request('?from=1', { 'last-event-id': '3' }), c.watch, 'r1', {
      endAfterRunFinished: true,
    }).text();
    assert.deepEqual(c.calls, [4]);
  });

  it('turns away an offset that is not a whole number with a 400 InvalidRequest', () => {
    assert.equal(firstOffset(undefined, undefined), 1);
    assert.equal(firstOffset(null, '0'), 1);
    for (const [lastId, from] of [
      ['abc', null],
      [null, '-1'],
      [null, '1.5'],
    ]) {
      assert.throws(
        () => firstOffset(lastId, from),
        (err: unknown) => err instanceof HttpError && err.status === 400 && err.type === 'InvalidRequest',
      );
    }
  });

  it('stops the watch when the client disconnects', async () => {
    let aborted: AbortSignal | undefined;
    const endless: WatchEvents = async function* (_id, from, signal) {
      aborted = signal;
      for (let offset = from; !signal.aborted; offset++) {
        yield { offset, type: 'text', turn: 1, attempt: 1, delta: 'x' };
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const client = new AbortController();
    const response = eventStream(request('', {}, client.signal), endless, 's1', {
      endAfterRunFinished: false,
    });
    const reader = response.body!.getReader();
    await reader.read();
    await reader.read();
    assert.equal(aborted?.aborted, false);
    client.abort();
    assert.equal(aborted?.aborted, true);

    // A reader that stops reading (cancels the body) stops the watch too.
    const second = eventStream(request(), endless, 's1', { endAfterRunFinished: false });
    const secondReader = second.body!.getReader();
    await secondReader.read();
    await secondReader.cancel();
    assert.equal(aborted?.aborted, true);
  });

  // Bounded: without pings the read below would wait for ever, and the runner has no timeout of its own.
  it('sends : ping comments while no event comes', { timeout: 5000 }, async () => {
    const stop = new AbortController();
    const quiet: WatchEvents = async function* (_id, _from, signal) {
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
      yield* [];
    };
    const response = eventStream(request('', {}, stop.signal), quiet, 's1', {
      endAfterRunFinished: false,
      heartbeatMs: 20,
    });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes(': ping\n\n')) {
      const { value, done } = await reader.read();
      assert.equal(done, false, `the stream ended before any ping: ${JSON.stringify(text)}`);
      text += decoder.decode(value);
    }
    stop.abort();
    assert.ok(text.startsWith(': connected\n\n'));
  });

  it('reports a failing watch as an error frame with its type, then ends', async () => {
    const failing: WatchEvents = async function* () {
      yield EVENTS[0]!;
      throw Object.assign(new Error('the stream store is gone'), { type: 'StreamUnavailable' });
    };
    const body = await eventStream(request(), failing, 'r1', { endAfterRunFinished: true }).text();
    assert.ok(
      body.endsWith(
        'event: error\ndata: {"type":"StreamUnavailable","message":"the stream store is gone"}\n\n',
      ),
    );
  });
});
