// The chat page: one session, its event stream read with fetch (so the bearer token can go in a header, which
// EventSource cannot send), reconnecting from the last offset when the connection drops.
import {
  addUserMessage,
  applyEvent,
  decide,
  initialState,
  parseSse,
  restoreUserMessages,
  setApprovals,
  userMessages,
} from './chat-state.mjs';

const $ = (id) => document.getElementById(id);
const conversation = $('conversation');
const elements = new Map();
const TOKEN_KEY = 'durable-agent-token';
const POLL_MS = 1000;

// The token comes once in the URL (?token=), is kept for this tab only, and leaves the address bar at once.
const url = new URL(location.href);
if (url.searchParams.has('token')) {
  sessionStorage.setItem(TOKEN_KEY, url.searchParams.get('token') ?? '');
  url.searchParams.delete('token');
}
let sessionId = url.searchParams.get('session');
if (!sessionId) {
  sessionId = `chat-${crypto.randomUUID().slice(0, 8)}`;
  url.searchParams.set('session', sessionId);
}
history.replaceState(null, '', url);
const usersKey = `durable-agent-users:${sessionId}`;

const state = initialState();
restoreUserMessages(state, JSON.parse(sessionStorage.getItem(usersKey) ?? '[]'));
let following = false;
let polling = false;

$('session-id').textContent = sessionId;
const base = (path) => `sessions/${encodeURIComponent(sessionId)}${path}`;

class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.type = body?.type;
  }
}

function headers(extra = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { ...extra, authorization: `Bearer ${token}` } : extra;
}

async function api(method, path, body) {
  const response = await fetch(base(path), {
    method,
    headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await response.json().catch(() => undefined);
  if (response.status === 401) $('token-box').hidden = false;
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

function showError(message) {
  $('error').textContent = message ?? '';
  $('error').hidden = !message;
}

// ── rendering ──

function create(item) {
  const el = document.createElement('div');
  el.dataset.key = item.key;
  if (item.kind === 'user') {
    el.className = 'msg user';
    el.textContent = item.text;
  } else if (item.kind === 'assistant') {
    el.className = 'msg assistant';
    el.dataset.turn = String(item.turn);
    el.innerHTML =
      '<div class="thinking" hidden></div><div class="text"></div><div class="retried" hidden></div>';
  } else if (item.kind === 'tool') {
    el.className = 'tool';
    el.dataset.toolUseId = item.toolUseId;
    el.innerHTML =
      '<div class="head"><span class="dot"></span><span class="name"></span><span class="status"></span></div>' +
      '<pre class="input" hidden></pre>' +
      '<div class="actions" hidden><button type="button" class="approve">Approve</button>' +
      '<button type="button" class="reject">Reject</button></div>';
    el.querySelector('.approve').addEventListener('click', () => void approve(item.toolUseId, true));
    el.querySelector('.reject').addEventListener('click', () => void approve(item.toolUseId, false));
  } else {
    el.className = `notice ${item.status}`;
    el.textContent = item.text;
  }
  return el;
}

const STATUS_TEXT = {
  running: 'running…',
  waiting: 'waiting for your approval',
  succeeded: 'done',
  failed: 'failed',
  rejected: 'rejected',
  outcome_unknown: 'outcome unknown',
};

function update(el, item) {
  if (item.kind === 'assistant') {
    el.querySelector('.text').textContent = item.text;
    const thinking = el.querySelector('.thinking');
    thinking.textContent = item.thinking;
    thinking.hidden = item.thinking === '';
    const retried = el.querySelector('.retried');
    retried.hidden = !item.retried;
    retried.textContent = item.retried
      ? 'The model call was retried; its earlier partial answer was dropped.'
      : '';
    el.classList.toggle('streaming', !item.done && state.running);
  } else if (item.kind === 'tool') {
    const status = item.waiting ? 'waiting' : item.status;
    el.className = `tool ${status}${item.isError ? ' error' : ''}`;
    el.querySelector('.name').textContent = item.name;
    el.querySelector('.status').textContent =
      (item.decided && status === 'running' ? 'approved · running…' : STATUS_TEXT[status]) ?? status;
    const input = el.querySelector('.input');
    input.hidden = item.input === undefined;
    if (item.input !== undefined) input.textContent = JSON.stringify(item.input, null, 2);
    el.querySelector('.actions').hidden = !item.waiting;
  }
}

function render() {
  const nearBottom = conversation.scrollHeight - conversation.scrollTop - conversation.clientHeight < 80;
  $('empty').hidden = state.items.length > 0;
  for (const item of state.items) {
    let el = elements.get(item.key);
    if (!el) {
      el = create(item);
      elements.set(item.key, el);
      conversation.append(el);
    }
    update(el, item);
  }
  const pill = $('state');
  const label = state.ended ? 'ended' : state.running ? 'running' : 'idle';
  pill.textContent = label;
  pill.className = `pill ${label}`;
  $('interrupt').disabled = !state.running || state.ended;
  $('send').disabled = state.ended;
  if (nearBottom) conversation.scrollTop = conversation.scrollHeight;
}

// ── the event stream ──

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads the session's events until it ends, reconnecting from the last offset whenever the stream drops. */
async function follow() {
  if (following) return;
  following = true;
  let delay = 500;
  while (!state.ended) {
    try {
      const response = await fetch(base('/events'), {
        headers: headers(state.lastOffset > 0 ? { 'last-event-id': String(state.lastOffset) } : {}),
      });
      if (response.status === 401) $('token-box').hidden = false;
      if (!response.ok || !response.body)
        throw new ApiError(response.status, await response.json().catch(() => undefined));
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const parsed = parseSse(buffer + value);
        buffer = parsed.rest;
        let changed = false;
        for (const event of parsed.events) {
          if (event.type === 'error') showError(`${event.data.type}: ${event.data.message}`);
          else changed = applyEvent(state, event.data) || changed;
          delay = 500;
        }
        if (changed) {
          render();
          if (state.running) void poll();
        }
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return void (following = false);
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 5000);
  }
  following = false;
}

/** Asks the session what waits for a person while a turn runs (and once more after it ends). */
async function poll() {
  if (polling) return;
  polling = true;
  try {
    do {
      const status = await api('GET', '').catch(() => undefined);
      if (status) {
        if (status.link) {
          $('ui-link').href = status.link;
          $('ui-link').hidden = false;
        }
        if (status.state === 'ended') state.ended = true;
        setApprovals(state, status.approvalsWaiting ?? []);
        render();
      }
      await sleep(POLL_MS);
    } while (state.running && !state.ended);
  } finally {
    polling = false;
  }
}

// ── actions ──

async function send(text) {
  showError();
  addUserMessage(state, text);
  sessionStorage.setItem(usersKey, JSON.stringify(userMessages(state)));
  render();
  try {
    const answer = await api('POST', '/messages', { text });
    if (answer.link) {
      $('ui-link').href = answer.link;
      $('ui-link').hidden = false;
    }
    void follow();
    void poll();
  } catch (err) {
    state.running = false;
    showError(err.message);
    render();
  }
}

async function approve(toolUseId, approved) {
  showError();
  try {
    await api('POST', `/approvals/${encodeURIComponent(toolUseId)}`, { approved });
    decide(state, toolUseId, approved);
  } catch (err) {
    showError(err.message);
  }
  render();
}

$('send-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const box = $('message');
  const text = box.value.trim();
  if (!text) return;
  box.value = '';
  box.style.height = '';
  void send(text);
});
$('message').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    $('send-form').requestSubmit();
  }
});
$('message').addEventListener('input', (e) => {
  e.target.style.height = '';
  e.target.style.height = `${Math.min(e.target.scrollHeight, 200)}px`;
});
$('interrupt').addEventListener('click', () => {
  api('POST', '/interrupt', {}).catch((err) => showError(err.message));
});
$('new-chat').addEventListener('click', () => {
  location.href = location.pathname;
});
$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('token-input').value.trim());
  $('token-box').hidden = true;
  showError();
  void resume();
});

/** On load: an existing session (a reload, a shared link) is read back from its stream. */
async function resume() {
  const status = await api('GET', '').catch(() => undefined);
  if (!status) return render();
  if (status.link) {
    $('ui-link').href = status.link;
    $('ui-link').hidden = false;
  }
  state.running = status.state === 'running';
  state.ended = status.state === 'ended';
  render();
  void follow();
  void poll();
}

render();
void resume();
