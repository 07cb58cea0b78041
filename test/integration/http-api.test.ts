// Integration tests: the HTTP API of `durable-agent serve` over real HTTP, against a real Temporal dev server, a
// worker in this process and the fake Claude. Event streams come either from the real readers (`serve`'s own,
// src/http/readers.ts) or from an injected reader that yields scripted events, to pin the API's side of SSE.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../src/http/app';
import { streamReaders } from '../../src/http/readers';
import { listen, ServeConfigError } from '../../src/http/serve';
import type { HttpServer } from '../../src/http/serve';
import type { WatchEvents } from '../../src/http/sse';
import { visibleText } from '../../src/streams/assemble';
import type { StreamEvent } from '../../src/shared/stream-events';
import { waitFor } from '../helpers/child-worker';
import { startTestEnv } from '../helpers/env';
import type { TestEnv } from '../helpers/env';
import { servedBy } from '../helpers/fake-requests';
import { controlTools, executions } from '../helpers/tools';

const TOKEN = 'test-token-0123456789abcdef';

let env: TestEnv;
let server: HttpServer;
/** The API as `durable-agent serve` builds it: the real stream readers. */
let real: HttpServer;
const watched: Array<{ id: string; from: number }> = [];

/** Each run's stream: two deltas, the end of the run, and an event after it that a run's reader never gets. */
const watch: WatchEvents = async function* (id, from) {
  watched.push({ id, from });
  const events: StreamEvent[] = [
    { offset: 1, type: 'text', turn: 1, attempt: 1, delta: 'Sun' },
    { offset: 2, type: 'text', turn: 1, attempt: 1, delta: 'ny.' },
    { offset: 3, type: 'run_finished', status: 'completed', text: 'Sunny.' },
    { offset: 4, type: 'text', turn: 2, attempt: 1, delta: 'never read' },
  ];
  yield* events.filter((e) => e.offset >= from);
};

before(async () => {
  env = await startTestEnv();
  await env.startWorker(controlTools);
  server = await listen({ client: env.client, watch, taskQueue: env.taskQueue, port: 0 });
  real = await listen({
    client: env.client,
    ...streamReaders(env.client),
    taskQueue: env.taskQueue,
    port: 0,
  });
});
after(async () => {
  await server?.close();
  await real?.close();
  await env?.close();
});

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  base = server.url,
): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  assert.match(
    response.headers.get('content-type') ?? '',
    /application\/json/,
    `${method} ${path} answers JSON`,
  );
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** Asserts an error answer: its status, its type, and a message a person can read. */
function assertError(answer: Answer, status: number, type: string, message?: RegExp): void {
  assert.equal(answer.status, status, JSON.stringify(answer.json));
  assert.equal(answer.json.type, type);
  assert.equal(typeof answer.json.message, 'string');
  assert.ok((answer.json.message as string).length > 10);
  if (message) assert.match(answer.json.message as string, message);
}

/** Polls GET /runs/:id until the run has closed. */
async function finished(id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 300; i++) {
    const answer = await call('GET', `/runs/${id}`);
    if (answer.json.execution !== 'RUNNING') return answer.json;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${id} never finished`);
}

describe('runs over HTTP', () => {
  it('POST /runs twice with the same id starts one run, and GET /runs/:id shows its result', async () => {
    env.fake.script([{ content: 'Once only.', delayMs: 500 }], { match: 'http once' });
    const first = await call('POST', '/runs', { id: 'http-once', prompt: 'Answer http once.' });
    const second = await call('POST', '/runs', { id: 'http-once', prompt: 'Answer http once.' });
    assert.equal(first.status, 201);
    assert.equal(first.json.state, 'started');
    assert.equal(second.status, 200);
    assert.ok(['running', 'finished'].includes(second.json.state as string));
    assert.equal(second.json.runId, first.json.runId);
    assert.match(first.json.link as string, /\/workflows\/http-once\//);

    const run = await finished('http-once');
    assert.equal(run.execution, 'COMPLETED');
    assert.equal((run.result as { text: string }).text, 'Once only.');
    assert.equal(servedBy(env.fake, 'http once').length, 1);
  });

  it('POST /runs/:id/cancel stops a run, which ends cancelled', async () => {
    env.fake.script([{ content: 'Too late.', delayMs: 20_000 }], { match: 'http slow' });
    await call('POST', '/runs', { id: 'http-cancel', prompt: 'An http slow one.' });
    await waitFor('the model call', () => servedBy(env.fake, 'http slow').length === 1);
    const cancel = await call('POST', '/runs/http-cancel/cancel', { reason: 'changed my mind' });
    assert.equal(cancel.status, 202);
    const run = await finished('http-cancel');
    assert.deepEqual(
      [(run.result as { status: string }).status, (run.result as { reason: string }).reason],
      ['cancelled', 'changed my mind'],
    );
    assertError(await call('POST', '/runs/http-cancel/cancel', {}), 404, 'RunNotFound');
  });

  it('approves a waiting call with POST /runs/:id/approvals/:toolUseId; a call not waiting is 409', async () => {
    env.fake.script(
      [
        {
          content: [
            { type: 'tool_use', id: 'toolu_http_1', name: 'close_account', input: { account: 'http-1' } },
          ],
        },
        { content: 'Closed.' },
      ],
      { match: 'http approve' },
    );
    await call('POST', '/runs', { id: 'http-approve', prompt: 'Please http approve.' });
    let waiting: unknown[] = [];
    for (let i = 0; i < 200 && waiting.length === 0; i++) {
      const progress = (await call('GET', '/runs/http-approve')).json.progress as {
        approvalsWaiting: unknown[];
      };
      waiting = progress?.approvalsWaiting ?? [];
      if (waiting.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(waiting, [
      { toolUseId: 'toolu_http_1', name: 'close_account', input: { account: 'http-1' } },
    ]);

    assertError(
      await call('POST', '/runs/http-approve/approvals/toolu_nope', { approved: true }),
      409,
      'ApprovalNotWaiting',
      /No tool call toolu_nope is waiting.*toolu_http_1/,
    );
    assertError(
      await call('POST', '/runs/http-approve/approvals/toolu_http_1', { approved: 'yes' }),
      400,
      'InvalidRequest',
    );
    const approved = await call('POST', '/runs/http-approve/approvals/toolu_http_1', { approved: true });
    assert.equal(approved.status, 200);
    assert.match(approved.json.message as string, /approved close_account/);
    assertError(
      await call('POST', '/runs/http-approve/approvals/toolu_http_1', { approved: true }),
      409,
      'ApprovalNotWaiting',
    );
    const run = await finished('http-approve');
    assert.equal((run.result as { status: string }).status, 'completed');
    assert.equal(executions.filter((e) => (e.input as { account?: string }).account === 'http-1').length, 1);
  });

  it('streams a run’s events as SSE, ends after run_finished, and resumes after Last-Event-ID', async () => {
    env.fake.script([{ content: 'Sunny.' }], { match: 'http stream' });
    await call('POST', '/runs', { id: 'http-stream', prompt: 'An http stream.' });
    const response = await fetch(`${server.url}/runs/http-stream/events`);
    assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const body = await response.text();
    assert.match(body, /event: text\nid: 1\ndata: \{[^\n]*"delta":"Sun"\}\n\n/);
    assert.match(body, /event: run_finished\nid: 3\n/);
    assert.doesNotMatch(body, /never read/);

    const resumed = await fetch(`${server.url}/runs/http-stream/events`, {
      headers: { 'last-event-id': '2' },
    });
    assert.deepEqual(
      [...(await resumed.text()).matchAll(/^id: (\d+)$/gm)].map((m) => m[1]),
      ['3'],
    );
    assert.deepEqual(watched.slice(-1), [{ id: 'http-stream', from: 3 }]);
    assertError(await call('GET', '/runs/no-such-run/events'), 404, 'RunNotFound');
  });
});

/** The events of an SSE body, parsed from its `data:` lines. */
function eventsOf(body: string): StreamEvent[] {
  return [...body.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1] as string) as StreamEvent);
}

describe('event streams from the real readers', () => {
  it('serves a run’s real stream as SSE: the answer streamed in parts, run_finished last, resume after Last-Event-ID', async () => {
    const answer = 'It is sunny in Oslo today, with a light breeze from the fjord.';
    env.fake.script([{ content: answer, deltas: 6, chunkDelayMs: 30 }], { match: 'http real run' });
    await call('POST', '/runs', { id: 'http-real-run', prompt: 'An http real run.' }, {}, real.url);
    const body = await (await fetch(`${real.url}/runs/http-real-run/events`)).text();
    const events = eventsOf(body);
    assert.ok(events.filter((e) => e.type === 'text').length > 1, body);
    assert.equal(visibleText(events), answer);
    const last = events[events.length - 1];
    assert.ok(last?.type === 'run_finished' && last.status === 'completed', body);
    assert.deepEqual(
      [...body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])),
      events.map((_, i) => i + 1),
    );
    // Last-Event-ID n: the reader gets n+1 on (the API's "first wanted" is the reader's "after n").
    const resumed = await fetch(`${real.url}/runs/http-real-run/events`, {
      headers: { 'last-event-id': '2' },
    });
    assert.deepEqual(eventsOf(await resumed.text()), events.slice(2));
    const fromQuery = await fetch(`${real.url}/runs/http-real-run/events?from=3`);
    assert.deepEqual(eventsOf(await fromQuery.text()), events.slice(2));
  });

  it('serves a session’s real stream: a run_finished per send, and the response ends when the session closes', async () => {
    env.fake.script(
      [
        { content: 'Hello Ada.', deltas: 3 },
        { content: 'You are Ada.', deltas: 3 },
      ],
      { match: 'http real session' },
    );
    const id = `http-real-session-${Date.now()}`;
    const first = await call(
      'POST',
      `/sessions/${id}/messages`,
      { text: 'http real session: I am Ada' },
      {},
      real.url,
    );
    assert.equal(first.status, 202, JSON.stringify(first.json));
    // Followed live from the first send on.
    const following = fetch(`${real.url}/sessions/${id}/events`).then((r) => r.text());
    await waitFor('the first answer', () => servedBy(env.fake, 'http real session').length === 1);
    await sessionIdle(id);
    const second = await call('POST', `/sessions/${id}/messages`, { text: 'Who am I?' }, {}, real.url);
    assert.equal(second.status, 202);
    await waitFor('the second answer', () => servedBy(env.fake, 'http real session').length === 2);
    await sessionIdle(id);
    assert.equal((await call('POST', `/sessions/${id}/end`, {}, {}, real.url)).status, 202);
    const events = eventsOf(await following);
    const ends = events.filter((e) => e.type === 'run_finished');
    assert.deepEqual(
      ends.map((e) => [e.type === 'run_finished' && e.send, e.type === 'run_finished' && e.text]),
      [
        [1, 'Hello Ada.'],
        [2, 'You are Ada.'],
      ],
    );
    assert.equal(visibleText(events), 'Hello Ada.\n\nYou are Ada.');
    const resumed = await fetch(`${real.url}/sessions/${id}/events`, { headers: { 'last-event-id': '3' } });
    assert.deepEqual(eventsOf(await resumed.text()), events.slice(3));

    // The session has ended: a message is refused, and the ID is not started again as a new session.
    const { runId } = await env.client.workflow.getHandle(id).describe();
    assertError(
      await call('POST', `/sessions/${id}/messages`, { text: 'Still there?' }, {}, real.url),
      409,
      'SessionEnded',
      /ended/,
    );
    const after = await env.client.workflow.getHandle(id).describe();
    assert.equal(after.runId, runId);
    assert.equal(after.status.name, 'COMPLETED');
    assert.equal(servedBy(env.fake, 'http real session').length, 2);
    assertError(
      await call('GET', '/sessions/no-such-session/events', undefined, {}, real.url),
      404,
      'SessionNotFound',
    );
  });
});

/** Polls GET /sessions/:id until no turn runs. */
async function sessionIdle(id: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const answer = await call('GET', `/sessions/${id}`, undefined, {}, real.url);
    if (answer.json.state === 'idle') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`session ${id} never went idle`);
}

describe('HTTP errors', () => {
  it('answers bad run input with 400 InvalidAgentInput listing the problems, and bad JSON with 400 InvalidRequest', async () => {
    assertError(
      await call('POST', '/runs', { prompt: 42, limits: { maxIterations: -1 } }),
      400,
      'InvalidAgentInput',
      /prompt.*\n.*limits\.maxIterations/s,
    );
    assertError(await call('POST', '/runs', '{"prompt": '), 400, 'InvalidRequest', /not JSON/);
    assertError(await call('POST', '/runs', { id: 7, prompt: 'x' }), 400, 'InvalidRequest', /"id"/);
  });

  it('answers unknown runs, sessions and routes with 404 and a JSON error', async () => {
    assertError(await call('GET', '/runs/no-such-run'), 404, 'RunNotFound', /no-such-run/);
    assertError(await call('GET', '/sessions/no-such-session'), 404, 'SessionNotFound', /POST \/sessions/);
    assertError(
      await call('POST', '/runs/no-such-run/approvals/toolu_1', { approved: true }),
      404,
      'RunNotFound',
    );
    assertError(await call('GET', '/nothing/here'), 404, 'RouteNotFound');
  });

  it('refuses a body larger than a run input may be with 413', async () => {
    const prompt = 'x'.repeat(2 * 1024 * 1024);
    assertError(await call('POST', '/runs', { prompt }), 413, 'RequestTooLarge', /1\.5 MiB/);
  });

  it('answers 503 ServerUnreachable when the Temporal server does not answer', async () => {
    const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '1 second' });
    const client = new Client({ connection });
    const app = createApp({ client, watch, taskQueue: env.taskQueue });
    const response = await app.request('/runs/any', { signal: AbortSignal.timeout(60_000) });
    const json = (await response.json()) as Record<string, unknown>;
    assertError({ status: response.status, json }, 503, 'ServerUnreachable', /Temporal server/);
    await connection.close();
  });
});

describe('the bearer token', () => {
  it('is required to listen beyond loopback', async () => {
    await assert.rejects(
      listen({ client: env.client, watch, taskQueue: env.taskQueue, host: '0.0.0.0', port: 0 }),
      (err: unknown) =>
        err instanceof ServeConfigError &&
        err.type === 'HttpTokenRequired' &&
        /DURABLE_AGENT_HTTP_TOKEN/.test(err.message),
    );
  });

  it('a blank token is no token: loopback answers without one', async () => {
    const open = await listen({ client: env.client, watch, taskQueue: env.taskQueue, port: 0, token: '  ' });
    try {
      assertError(await call('GET', '/runs/x', undefined, {}, open.url), 404, 'RunNotFound');
    } finally {
      await open.close();
    }
  });

  it('once set, every API request needs it: none or a wrong one is 401; the page itself loads without it', async () => {
    const guarded = await listen({
      client: env.client,
      watch,
      taskQueue: env.taskQueue,
      host: '0.0.0.0',
      port: 0,
      token: TOKEN,
    });
    const base = guarded.url.replace('0.0.0.0', '127.0.0.1');
    try {
      assertError(await call('GET', '/runs/x', undefined, {}, base), 401, 'Unauthorized', /Bearer/);
      assertError(
        await call('GET', '/runs/x', undefined, { authorization: 'Bearer wrong' }, base),
        401,
        'Unauthorized',
        /wrong/,
      );
      assertError(
        await call(
          'POST',
          '/sessions/s/messages',
          { text: 'hi' },
          { authorization: `Bearer ${TOKEN}x` },
          base,
        ),
        401,
        'Unauthorized',
      );
      // The right token gets through to the route, which answers for the unknown run.
      assertError(
        await call('GET', '/runs/x', undefined, { authorization: `Bearer ${TOKEN}` }, base),
        404,
        'RunNotFound',
      );
      const page = await fetch(`${base}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<title>durable-agent chat<\/title>/);
    } finally {
      await guarded.close();
    }
  });
});
