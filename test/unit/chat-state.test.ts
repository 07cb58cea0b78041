// Unit tests (no workers, no servers, no browser): the chat page's state module, as the browser runs it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addUserMessage,
  applyEvent,
  decide,
  initialState,
  parseSse,
  restoreUserMessages,
  setApprovals,
  userMessages,
} from '../../src/http/page/chat-state.mjs';
import type { ChatState } from '../../src/http/page/chat-state.mjs';
import type { StreamEvent, StreamEventBody } from '../../src/shared/stream-events';

/** Numbers the bodies from `first` on and applies them. */
function feed(state: ChatState, bodies: StreamEventBody[], first = state.lastOffset + 1): void {
  bodies.forEach((body, i) => applyEvent(state, { ...body, offset: first + i } as StreamEvent));
}

const text = (delta: string, turn = 1, attempt = 1): StreamEventBody => ({
  type: 'text',
  turn,
  attempt,
  delta,
});
const assistant = (state: ChatState, turn = 1) =>
  state.items.find((i) => i.kind === 'assistant' && i.turn === turn) as { text: string } | undefined;
const tool = (state: ChatState, id: string) =>
  state.items.find((i) => i.kind === 'tool' && i.toolUseId === id) as
    { status: string; waiting: boolean; isError: boolean; decided?: string } | undefined;

describe('chat page state', () => {
  it('assembles a turn’s text from its deltas and skips events it has already seen', () => {
    const state = initialState();
    addUserMessage(state, 'Hi');
    feed(state, [text('Hel'), text('lo')]);
    assert.equal(assistant(state)?.text, 'Hello');
    // A reconnect that overlaps the last event shows nothing twice.
    assert.equal(applyEvent(state, { ...text('lo'), offset: 2 } as StreamEvent), false);
    assert.equal(assistant(state)?.text, 'Hello');
    assert.equal(state.running, true);
  });

  it('drops a turn’s partial text on retry and ignores late deltas of the old attempt', () => {
    const state = initialState();
    feed(state, [text('The answer is 4'), { type: 'retry', turn: 1, attempt: 2 }]);
    assert.equal(assistant(state)?.text, '');
    feed(state, [text('2', 1, 1), text('The answer is 42', 1, 2)]);
    assert.equal(assistant(state)?.text, 'The answer is 42');
  });

  it('shows tool cards from started to finished, and approval buttons only while a call waits', () => {
    const state = initialState();
    feed(state, [{ type: 'tool_started', turn: 1, toolUseId: 't1', name: 'get_weather', attempt: 1 }]);
    assert.equal(tool(state, 't1')?.status, 'running');
    feed(state, [
      {
        type: 'tool_finished',
        turn: 1,
        toolUseId: 't1',
        name: 'get_weather',
        status: 'failed',
        isError: true,
      },
    ]);
    assert.deepEqual([tool(state, 't1')?.status, tool(state, 't1')?.isError], ['failed', true]);

    assert.equal(setApprovals(state, [{ toolUseId: 't2', name: 'close_account', input: { id: 1 } }]), true);
    assert.equal(tool(state, 't2')?.waiting, true);
    decide(state, 't2', true);
    assert.deepEqual([tool(state, 't2')?.waiting, tool(state, 't2')?.decided], [false, 'approved']);
    // The poll that still lists the call (it raced the decision) does not bring the buttons back.
    setApprovals(state, [{ toolUseId: 't2', name: 'close_account', input: { id: 1 } }]);
    assert.equal(tool(state, 't2')?.waiting, false);
  });

  it('ends the turn on run_finished and says why when it did not complete', () => {
    const state = initialState();
    addUserMessage(state, 'Go');
    feed(state, [text('Partial'), { type: 'run_finished', status: 'interrupted' as never, text: 'Partial' }]);
    assert.equal(state.running, false);
    assert.deepEqual(
      state.items.filter((i) => i.kind === 'notice').map((i) => (i as { text: string }).text),
      ['Interrupted.'],
    );
  });

  it('puts the user’s stored messages back between the replayed turns after a reload', () => {
    const first = initialState();
    addUserMessage(first, 'one');
    feed(first, [text('A'), { type: 'run_finished', status: 'completed', text: 'A' }]);
    addUserMessage(first, 'two');
    feed(first, [text('B', 2), { type: 'run_finished', status: 'completed', text: 'B' }]);

    const reloaded = restoreUserMessages(initialState(), userMessages(first));
    feed(reloaded, [
      text('A'),
      { type: 'run_finished', status: 'completed', text: 'A' },
      text('B', 2),
      { type: 'run_finished', status: 'completed', text: 'B' },
    ]);
    assert.deepEqual(
      reloaded.items.map((i) => i.kind),
      first.items.map((i) => i.kind),
    );
  });

  it('parses SSE frames across chunk boundaries, skipping comments', () => {
    const one = parseSse(': connected\n\nevent: text\nid: 1\ndata: {"offset":1}\n\nevent: te');
    assert.deepEqual(one.events, [{ type: 'text', id: '1', data: { offset: 1 } }]);
    const two = parseSse(`${one.rest}xt\nid: 2\ndata: {"offset":2}\n\n: ping\n\n`);
    assert.deepEqual(two.events, [{ type: 'text', id: '2', data: { offset: 2 } }]);
    assert.equal(two.rest, '');
  });
});
