// The chat page's state, kept apart from the DOM so node can test it: a conversation assembled from the session's
// event stream (text by turn, the retry rule, tool cards, approvals), and the SSE parser the page reads with.
// Plain JavaScript, no build step: the browser loads this file as it is.

/** A new, empty conversation. */
export function initialState() {
  return { items: [], lastOffset: 0, running: false, ended: false, queuedUsers: [] };
}

/** The user's messages of this conversation, to store and give back to `restoreUserMessages` after a reload. */
export function userMessages(state) {
  return state.items
    .filter((i) => i.kind === 'user')
    .map((i) => ({ text: i.text, afterOffset: i.afterOffset }));
}

/**
 * After a reload the stream replays from offset 1, but the user's own messages are not in it: they come back
 * from storage, each put in where the stream stood when it was sent.
 */
export function restoreUserMessages(state, messages) {
  state.queuedUsers = [...messages].sort((a, b) => a.afterOffset - b.afterOffset);
  flushUsers(state, 0);
  return state;
}

function flushUsers(state, offset) {
  while (state.queuedUsers.length > 0 && state.queuedUsers[0].afterOffset < offset) {
    pushUser(state, state.queuedUsers.shift());
  }
  if (offset === 0) {
    while (state.queuedUsers.length > 0 && state.queuedUsers[0].afterOffset === 0)
      pushUser(state, state.queuedUsers.shift());
  }
}

function pushUser(state, { text, afterOffset }) {
  const n = state.items.filter((i) => i.kind === 'user').length + 1;
  state.items.push({ kind: 'user', key: `user-${n}`, text, afterOffset });
}

function assistantItem(state, turn) {
  let item = state.items.find((i) => i.kind === 'assistant' && i.turn === turn);
  if (!item) {
    item = { kind: 'assistant', key: `turn-${turn}`, turn, attempt: 1, text: '', thinking: '', done: false };
    state.items.push(item);
  }
  return item;
}

function toolItem(state, toolUseId, name) {
  let item = state.items.find((i) => i.kind === 'tool' && i.toolUseId === toolUseId);
  if (!item) {
    item = {
      kind: 'tool',
      key: `tool-${toolUseId}`,
      toolUseId,
      name,
      status: 'running',
      isError: false,
      waiting: false,
      decided: undefined,
      input: undefined,
    };
    state.items.push(item);
  }
  return item;
}

/** The user's message, shown at once; the session is busy until its run_finished. */
export function addUserMessage(state, text) {
  pushUser(state, { text, afterOffset: state.lastOffset });
  state.running = true;
  return state;
}

/**
 * Applies one stream event. Events at or below the last offset seen are dropped, so a reconnect that overlaps
 * shows nothing twice. Returns whether the event changed anything.
 */
export function applyEvent(state, event) {
  if (typeof event.offset !== 'number' || event.offset <= state.lastOffset) return false;
  flushUsers(state, event.offset);
  state.lastOffset = event.offset;
  switch (event.type) {
    case 'text':
    case 'thinking': {
      const item = assistantItem(state, event.turn);
      // A delta from an older attempt arrives late from a call that was already retried: it is not the answer.
      if (event.attempt < item.attempt) return false;
      if (event.attempt > item.attempt) {
        item.attempt = event.attempt;
        item.text = '';
        item.thinking = '';
      }
      if (event.type === 'text') item.text += event.delta;
      else item.thinking += event.delta;
      state.running = true;
      return true;
    }
    case 'retry': {
      // The retry rule: the model call starts again, so every delta of this turn shown so far goes.
      const item = assistantItem(state, event.turn);
      item.attempt = Math.max(item.attempt, event.attempt);
      item.text = '';
      item.thinking = '';
      item.retried = (item.retried ?? 0) + 1;
      return true;
    }
    case 'tool_started': {
      // Events come in offset order, so the latest report of a call is the one to show.
      const item = toolItem(state, event.toolUseId, event.name);
      if (!item.waiting) item.status = 'running';
      item.attempt = event.attempt;
      return true;
    }
    case 'tool_finished': {
      const item = toolItem(state, event.toolUseId, event.name);
      item.status = event.status;
      item.isError = event.isError;
      item.waiting = false;
      return true;
    }
    case 'turn_finished': {
      const item = state.items.find((i) => i.kind === 'assistant' && i.turn === event.turn);
      if (item) item.done = true;
      return true;
    }
    case 'run_finished': {
      state.running = false;
      for (const item of state.items) if (item.kind === 'tool') item.waiting = false;
      if (event.error || event.status !== 'completed') {
        state.items.push({
          kind: 'notice',
          key: `end-${event.offset}`,
          status: event.status,
          text: event.error ? `${event.error.type}: ${event.error.message}` : endText(event.status),
        });
      }
      return true;
    }
    default:
      return false;
  }
}

function endText(status) {
  const texts = {
    cancelled: 'Stopped.',
    interrupted: 'Interrupted.',
    iteration_limit: 'Stopped at the iteration limit.',
    budget_exceeded: 'Stopped: the budget is spent.',
    refused: 'Claude declined to answer.',
    needs_attention: 'A tool call needs attention: its outcome is not known.',
  };
  return texts[status] ?? `Ended: ${status}.`;
}

/**
 * The session's calls waiting for a person (from GET /sessions/:id): their cards get approve / reject buttons,
 * and cards no longer listed lose them. Returns whether anything changed.
 */
export function setApprovals(state, waiting) {
  let changed = false;
  const ids = new Set(waiting.map((w) => w.toolUseId));
  for (const w of waiting) {
    const item = toolItem(state, w.toolUseId, w.name);
    if (!item.waiting && item.decided === undefined) {
      item.waiting = true;
      item.status = 'waiting';
      item.input = w.input;
      changed = true;
    }
  }
  for (const item of state.items) {
    if (item.kind === 'tool' && item.waiting && !ids.has(item.toolUseId)) {
      item.waiting = false;
      changed = true;
    }
  }
  return changed;
}

/** A person decided a waiting call: its buttons go, and the card says what was decided. */
export function decide(state, toolUseId, approved) {
  const item = state.items.find((i) => i.kind === 'tool' && i.toolUseId === toolUseId);
  if (!item) return false;
  item.waiting = false;
  item.decided = approved ? 'approved' : 'rejected';
  item.status = approved ? 'running' : 'rejected';
  return true;
}

/**
 * Parses Server-Sent Events out of text received so far. Returns the complete events (with their `event`, `id`
 * and parsed `data`) and the unfinished rest, to be prefixed to the next chunk. Comments (`: ping`) are skipped.
 */
export function parseSse(buffer) {
  const events = [];
  const blocks = buffer.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    let type = 'message';
    let id;
    const data = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') type = value;
      else if (field === 'id') id = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) continue;
    let parsed;
    try {
      parsed = JSON.parse(data.join('\n'));
    } catch {
      parsed = { raw: data.join('\n') };
    }
    events.push({ type, id, data: parsed });
  }
  return { events, rest };
}
