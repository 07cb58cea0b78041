// Integration test: messages posted to one session at the same time over the HTTP API, against a real Temporal
// dev server, a worker in this process and the fake Claude. Each 202 must carry the number of its own send, the
// one its `run_finished` event and its update's result carry, however the posts interleave.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { streamReaders } from '../../src/http/readers';
import { listen } from '../../src/http/serve';
import type { HttpServer } from '../../src/http/serve';
import { sendNumberQuery } from '../../src/shared';
import type { MessageParam, SendResult } from '../../src/shared';
import type { StreamEvent } from '../../src/shared/stream-events';
import { startTestEnv } from '../helpers/env';
import type { TestEnv } from '../helpers/env';
import { servedBy } from '../helpers/fake-requests';

const MATCH = 'http concurrent sends';
const POSTS = 5;

let env: TestEnv;
let api: HttpServer;

before(async () => {
  env = await startTestEnv();
  await env.startWorker([]);
  api = await listen({ client: env.client, ...streamReaders(env.client), taskQueue: env.taskQueue, port: 0 });
});
after(async () => {
  await api?.close();
  await env?.close();
});

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** The text of a request's last message: the user message of the send that turn answers. */
function lastMessageText(body: unknown): string {
  const messages = (body as { messages: MessageParam[] }).messages;
  return JSON.stringify(messages[messages.length - 1]?.content);
}

describe('concurrent messages to one session over HTTP', () => {
  it('answers each of five concurrent POSTs with the number of its own send, the one its run_finished carries', async () => {
    // One model call per send, each answer named after the request it answers; the first one is slow, so the
    // concurrent posts are accepted while it runs and queue behind it.
    env.fake.script(
      Array.from({ length: POSTS + 1 }, (_, k) => ({
        content: `Answer ${k + 1}.`,
        delayMs: k === 0 ? 500 : 0,
      })),
      { match: MATCH },
    );
    const id = `http-concurrent-${Date.now()}`;
    const opening = await post(`/sessions/${id}/messages`, { text: `${MATCH}: opening` });
    assert.equal(opening.status, 202, JSON.stringify(opening.json));
    // X

    const replies = await Promise.all(
      Array.from({ length: POSTS }, (_, i) => post(`/sessions/${id}/messages`, { text: `message #${i}#` })),
    );
    for (const reply of replies) assert.equal(reply.status, 202, JSON.stringify(reply.json));
    const sends = replies.map((reply) => reply.json.send as number);
    assert.deepEqual(
      [...sends].sort((a, b) => a - b),
      [2, 3, 4, 5, 6],
      `every reply carries its own number: ${JSON.stringify(sends)}`,
    );

    // Each update's result (the turn's end) has the number its 202 carried.
    const handle = env.client.workflow.getHandle(id);
    const results = await Promise.all(
      replies.map(
        (reply) =>
          handle.getUpdateHandle<SendResult>(reply.json.updateId as string).result() as Promise<SendResult>,
      ),
    );
    assert.deepEqual(
      results.map((result) => result.send),
      sends,
    );
    assert.equal((await post(`/sessions/${id}/end`, {})).status, 202);
    await handle.result();

    // Send n is the session's nth model call: the request that carried message i is the one at its number, and
    // the run_finished numbered with it holds that request's answer.
    const served = servedBy(env.fake, MATCH);
    assert.equal(served.length, POSTS + 1);
    const body = await (await fetch(`${api.url}/sessions/${id}/events`)).text();
    const events = [...body.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1] as string) as StreamEvent);
    replies.forEach((reply, i) => {
      const send = reply.json.send as number;
      assert.match(lastMessageText(served[send - 1]?.body), new RegExp(`message #${i}#`), `send ${send}`);
      const ended = events.find((e) => e.type === 'run_finished' && e.send === send);
      assert.ok(ended?.type === 'run_finished', `a run_finished for send ${send}: ${body}`);
      assert.equal(ended.text, `Answer ${send}.`);
      assert.equal(results[i]?.text, `Answer ${send}.`);
    });

    // The query answers from history once the session has closed, and null for what it never took.
    const third = replies.find((reply) => reply.json.send === 3);
    assert.equal(await handle.query(sendNumberQuery, { updateId: third?.json.updateId as string }), 3);
    assert.equal(await handle.query(sendNumberQuery, { updateId: 'no-such-update' }), null);
    assert.equal(await handle.query(sendNumberQuery, {} as never), null);
  });
});
