// Integration tests: a conversation's (agentSession's) live event stream and its reader, watchSession, with a real
// Temporal dev server, a worker in this process and the fake Claude streaming over real HTTP.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { visibleText, watchSession } from '../../src/client';
import type { SendResult, StreamEvent } from '../../src/shared';
import { openSession } from '../../src/session-client';
import type { AgentSession } from '../../src/session-client';
import type { SessionInput } from '../../src/shared';
import { waitFor } from '../helpers/child-worker';
import { useTestEnv } from '../helpers/env';
import { servedBy } from '../helpers/fake-requests';
import { controlTools } from '../helpers/tools';

const env = useTestEnv(controlTools);

let sessions = 0;
function open(input: SessionInput = {}): AgentSession {
  sessions += 1;
  return openSession(env.client, `session-stream-${Date.now()}-${sessions}`, input, {
    taskQueue: env.taskQueue,
  });
}

/** Reads a session's stream with watchSession until it ends. */
async function readSession(id: string, from = 0): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of watchSession(env.client, id, { from })) events.push(event);
  return events;
}

const ends = (events: StreamEvent[]) =>
  events.filter((e): e is Extract<StreamEvent, { type: 'run_finished' }> => e.type === 'run_finished');
const turnsOf = (events: StreamEvent[]) => [
  ...new Set(events.filter((e) => e.type === 'text').map((e) => (e as { turn: number }).turn)),
];

describe('session event streams', () => {
  it('a reader follows a session across two sends and an end: one run_finished per send, then it ends', async () => {
    env.fake.script(
      [
        { content: 'Hello Ada, nice to meet you.', deltas: 4, chunkDelayMs: 30 },
        { content: 'Your name is Ada.', deltas: 3, chunkDelayMs: 30 },
      ],
      { match: 'session stream two sends' },
    );
    const session = open();
    const first = session.send('session stream two sends: I am Ada');
    // The reader starts before the session has written anything and follows it live.
    await waitFor('the session to start', () => servedBy(env.fake, 'session stream two sends').length > 0);
    const reading = readSession(session.id);
    assert.equal((await first).text, 'Hello Ada, nice to meet you.');
    const second = await session.send('Who am I?');
    assert.equal(second.send, 2);
    await session.end('done');
    const events = await reading;

    assert.deepEqual(
      ends(events).map((e) => [e.send, e.status, e.text]),
      [
        [1, 'completed', 'Hello Ada, nice to meet you.'],
        [2, 'completed', 'Your name is Ada.'],
      ],
    );
    assert.equal((ends(events)[1]?.result as SendResult | undefined)?.send, 2);
    // Model-call numbers rise across the conversation: the second send's answer is turn 2, not turn 1 again.
    assert.deepEqual(turnsOf(events), [1, 2]);
    assert.deepEqual(
      events.filter((e) => e.type === 'turn_finished').map((e) => (e as { turn: number }).turn),
      [1, 2],
    );
    assert.equal(visibleText(events), 'Hello Ada, nice to meet you.\n\nYour name is Ada.');
    assert.deepEqual(
      events.map((e) => e.offset),
      events.map((_, i) => i + 1),
    );
    assert.equal(events[events.length - 1]?.type, 'run_finished');

    // Resuming after any offset gives exactly the rest of the stream.
    const middle = (ends(events)[0] as StreamEvent).offset - 2;
    assert.deepEqual(await readSession(session.id, middle), events.slice(middle));
    assert.deepEqual(await readSession(session.id, events.length), []);
  });

  it('a reader that leaves mid-send and resumes from its last offset misses nothing', async () => {
    const answer = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
    env.fake.script([{ content: answer, deltas: 20, chunkDelayMs: 40 }], { match: 'session stream resume' });
    const session = open();
    const sent = session.send('session stream resume: a story');
    await waitFor('the session to start', () => servedBy(env.fake, 'session stream resume').length > 0);
    const seen: StreamEvent[] = [];
    for await (const event of watchSession(env.client, session.id)) {
      seen.push(event);
      if (seen.filter((e) => e.type === 'text').length >= 3) break;
    }
    assert.notEqual(seen[seen.length - 1]?.type, 'run_finished', 'the reader left before the send ended');
    const resumed = readSession(session.id, (seen[seen.length - 1] as StreamEvent).offset);
    await sent;
    await session.end();
    const rest = await resumed;
    assert.deepEqual([...seen, ...rest], await readSession(session.id));
    assert.equal(visibleText([...seen, ...rest]), answer);
  });

  it('an interrupted answer ends its send cancelled, and the next send streams under a new turn number', async () => {
    const long = Array.from({ length: 60 }, (_, i) => `part${i}`).join(' ');
    env.fake.script(
      [
        { content: long, deltas: 60, chunkDelayMs: 100 },
        { content: 'Short answer.', deltas: 2 },
      ],
      { match: 'session stream interrupt' },
    );
    const session = open();
    const events: StreamEvent[] = [];
    const sent = session.send('session stream interrupt: talk a lot');
    await waitFor('the session to start', () => servedBy(env.fake, 'session stream interrupt').length > 0);
    const reading = (async () => {
      for await (const event of watchSession(env.client, session.id)) events.push(event);
    })();
    await waitFor('some of the answer', () => events.filter((e) => e.type === 'text').length >= 3);
    await session.interrupt('enough');
    assert.equal((await sent).status, 'cancelled');
    const next = await session.send('Briefly, then.');
    assert.equal(next.text, 'Short answer.');
    await session.end();
    await reading;

    assert.deepEqual(
      ends(events).map((e) => [e.send, e.status]),
      [
        [1, 'cancelled'],
        [2, 'completed'],
      ],
    );
    // The cut-short call was not counted as a model call, yet its number is not given to the next one.
    assert.deepEqual(turnsOf(events), [1, 2]);
    const shown = visibleText(events);
    assert.ok(shown.endsWith('\n\nShort answer.'), shown);
    assert.ok(long.startsWith(shown.slice(0, -'\n\nShort answer.'.length)), 'turn 1 shows a part of it');
  });

  it('a send that fails ends with run_finished status failed and its error; the session goes on', async () => {
    env.fake.script(
      [
        { fault: 'status', status: 400, message: 'messages: bad request for the session test' },
        { content: 'Fine now.' },
      ],
      { match: 'session stream failure' },
    );
    const session = open();
    await assert.rejects(session.send('session stream failure: go'));
    // A failed send's message is not kept, so the next one is the conversation's first.
    assert.equal((await session.send('session stream failure: again')).text, 'Fine now.');
    await session.end();
    const events = await readSession(session.id);
    const [failed, ok] = ends(events);
    assert.equal(failed?.send, 1);
    assert.equal(failed?.status, 'failed');
    assert.equal(failed?.error?.type, 'ClaudeBadRequest');
    assert.match(failed?.error?.message ?? '', /bad request for the session test/);
    assert.equal(ok?.send, 2);
    assert.equal(ok?.status, 'completed');
  });

  it('the stream goes on through continue-as-new, and its reader ends only when the chain closes', async () => {
    env.fake.script([{ content: 'One.' }, { content: 'Two.' }, { content: 'Three.' }], {
      match: 'session stream chain',
    });
    const session = open({ limits: { historyEventsBeforeContinueAsNew: 20 } });
    const reading = (async () => {
      await waitFor('the session to start', () => servedBy(env.fake, 'session stream chain').length > 0);
      return readSession(session.id);
    })();
    await session.send('session stream chain: count');
    await session.send('again');
    await session.send('once more');
    const history = await env.client.workflow.getHandle(session.id).fetchHistory();
    assert.ok(
      history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId,
      'the session continued as new',
    );
    await session.end();
    const events = await reading;
    assert.deepEqual(
      ends(events).map((e) => [e.send, e.text]),
      [
        [1, 'One.'],
        [2, 'Two.'],
        [3, 'Three.'],
      ],
    );
    assert.deepEqual(turnsOf(events), [1, 2, 3]);
  });
});
