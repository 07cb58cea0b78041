// Integration tests: conversations (`agentSession`) on a real Temporal dev server, a worker in this process and
// the fake Claude over real HTTP. A session keeps its context across sends, takes steers at the next boundary,
// survives interrupts, continues as new without losing a message, and closes on end, idle or budget.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { MessageParam } from '../../src/shared';
import { sendUpdate, SessionErrorType, textOf } from '../../src/shared';
import type { SendResult } from '../../src/shared';
import { openSession, SessionError } from '../../src/session-client';
import type { AgentSession } from '../../src/session-client';
import type { SessionInput } from '../../src/shared';
import { waitFor } from '../helpers/child-worker';
import { useTestEnv, workflowBundle } from '../helpers/env';
import { servedBy } from '../helpers/fake-requests';
import { controlTools, executions } from '../helpers/tools';

const env = useTestEnv(controlTools);

let sessions = 0;
function open(input: SessionInput = {}): AgentSession {
  sessions += 1;
  return openSession(env.client, `session-${Date.now()}-${sessions}`, input, { taskQueue: env.taskQueue });
}

const messagesOf = (match: string, index: number): MessageParam[] =>
  (servedBy(env.fake, match)[index]?.body as { messages: MessageParam[] }).messages;

/** Each message as role and text, tool calls and results as markers: enough to compare conversations. */
function outline(messages: MessageParam[]): string[] {
  return messages.map((m) => {
    const parts =
      typeof m.content === 'string'
        ? [m.content]
        : m.content.map((b) =>
            b.type === 'text'
              ? textOf([b])
              : b.type === 'tool_use'
                ? `tool_use:${String(b.id)}`
                : b.type === 'tool_result'
                  ? `tool_result:${String(b.tool_use_id)}`
                  : b.type,
          );
    return `${m.role}: ${parts.join(' | ')}`;
  });
}

async function rejected(promise: Promise<unknown>, type: string, message?: RegExp): Promise<SessionError> {
  const err = await promise.then(
    () => assert.fail(`expected a ${type} error`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof SessionError, `expected a SessionError, got ${String(err)}`);
  assert.equal(err.type, type, err.message);
  if (message) assert.match(err.message, message);
  return err;
}

describe('agentSession', () => {
  it('keeps the conversation across three sends: the third request holds the first two exchanges', async () => {
    env.fake.script([{ content: 'Hello Ada.' }, { content: 'Four.' }, { content: 'You are Ada.' }], {
      match: 'three sends',
    });
    const session = open();
    const first = await session.send('three sends: my name is Ada');
    const second = await session.send('What is 2+2?');
    const third = await session.send('What is my name?');

    assert.deepEqual(
      [first, second, third].map((r: SendResult) => [r.send, r.status, r.text]),
      [
        [1, 'completed', 'Hello Ada.'],
        [2, 'completed', 'Four.'],
        [3, 'completed', 'You are Ada.'],
      ],
    );
    assert.deepEqual(outline(messagesOf('three sends', 2)), [
      'user: three sends: my name is Ada',
      'assistant: Hello Ada.',
      'user: What is 2+2?',
      'assistant: Four.',
      'user: What is my name?',
    ]);
    assert.equal(third.transcript.messages, 6);
    // Model calls are numbered over the whole session (stream readers rely on it), not from 1 in each turn.
    const history = await env.client.workflow.getHandle(session.id).fetchHistory();
    const summaries = (history.events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'callClaude')
      .map((e) => Buffer.from(e.userMetadata?.summary?.data ?? new Uint8Array()).toString());
    assert.deepEqual(
      summaries.map((s) => /turn (\d+)/.exec(s)?.[1]),
      ['1', '2', '3'],
    );
    const status = await session.status();
    assert.equal(status.state, 'idle');
    assert.equal(status.sends, 3);
    await session.end('done');
    const closed = await session.result();
    assert.equal(closed.endReason, 'done');
    assert.equal(closed.sends, 3);
    assert.equal(closed.modelCalls, 3);
  });

  it('a steer during a long tool call goes into the next model request after the tool results', async () => {
    env.fake.script(
      [
        {
          content: [
            {
              type: 'tool_use',
              id: 'toolu_steer_w',
              name: 'get_weather',
              input: { city: 'Steerburg', delayMs: 2000 },
            },
          ],
        },
        { content: 'Steerburg is sunny, and Rome too.' },
      ],
      { match: 'steer me' },
    );
    const session = open();
    const sent = session.send('steer me: weather in Steerburg?');
    await waitFor('the tool to start', () =>
      executions.some((e) => (e.input as { city?: string }).city === 'Steerburg'),
    );
    await session.steer('Also check Rome, please.');
    const result = await sent;

    assert.equal(result.status, 'completed');
    const last = messagesOf('steer me', 1).at(-1);
    assert.deepEqual(outline(last ? [last] : []), [
      'user: tool_result:toolu_steer_w | Also check Rome, please.',
    ]);
    await session.end();
  });

  it('an interrupt during a long tool call returns cancelled, and the next send makes a valid request', async () => {
    env.fake.script(
      [
        {
          content: [
            {
              type: 'tool_use',
              id: 'toolu_int_w',
              name: 'get_weather',
              input: { city: 'Haltville', delayMs: 8000 },
            },
          ],
        },
        { content: 'Fine, skipping the weather.' },
      ],
      { match: 'interrupt the tool' },
    );
    const session = open();
    const sent = session.send('interrupt the tool: weather in Haltville?');
    await waitFor('the tool to start', () =>
      executions.some((e) => (e.input as { city?: string }).city === 'Haltville'),
    );
    const startedAt = Date.now();
    await session.interrupt('changed my mind');
    const interrupted = await sent;
    assert.equal(interrupted.status, 'cancelled');
    assert.equal(interrupted.reason, 'interrupted: changed my mind');
    assert.ok(Date.now() - startedAt < 6000, 'the 8 s tool call was cancelled, not awaited');
    assert.equal(interrupted.toolCalls[0]?.status, 'cancelled');

    const next = await session.send('Never mind the weather.');
    assert.equal(next.status, 'completed');
    assert.equal(next.text, 'Fine, skipping the weather.');
    const request = servedBy(env.fake, 'interrupt the tool')[1];
    assert.equal(request?.response.status, 200);
    assert.deepEqual(outline(messagesOf('interrupt the tool', 1)), [
      'user: interrupt the tool: weather in Haltville?',
      'assistant: tool_use:toolu_int_w',
      'user: tool_result:toolu_int_w | Never mind the weather.',
    ]);
    await session.end();
  });

  it('an interrupt during a slow model call aborts it, and the next send joins the unanswered message', async () => {
    env.fake.script([{ content: 'Too late.', delayMs: 20_000 }, { content: 'Here now.' }], {
      match: 'slow model session',
    });
    const session = open();
    const sent = session.send('slow model session: think hard');
    await waitFor('the model call', () => servedBy(env.fake, 'slow model session').length === 1);
    await session.interrupt();
    const interrupted = await sent;
    assert.equal(interrupted.status, 'cancelled');
    assert.equal(interrupted.reason, 'interrupted: by the interrupt signal');
    await waitFor(
      'the HTTP request to be aborted',
      () => servedBy(env.fake, 'slow model session')[0]?.aborted === true,
    );

    const next = await session.send('Answer quickly instead.');
    assert.equal(next.text, 'Here now.');
    assert.deepEqual(outline(messagesOf('slow model session', 1)), [
      'user: slow model session: think hard | Answer quickly instead.',
    ]);
    await session.end();
  });

  it("replays a session's history (sends, a steer, an interrupt, end) without non-determinism", async () => {
    env.fake.script(
      [
        {
          content: [
            {
              type: 'tool_use',
              id: 'toolu_replay_1',
              name: 'get_weather',
              input: { city: 'Replay', delayMs: 1500 },
            },
          ],
        },
        { content: 'Noted.' },
        {
          content: [
            {
              type: 'tool_use',
              id: 'toolu_replay_2',
              name: 'get_weather',
              input: { city: 'Replay2', delayMs: 8000 },
            },
          ],
        },
        { content: 'Done.' },
      ],
      { match: 'replay session' },
    );
    const session = open();
    const first = session.send('replay session: weather?');
    await waitFor('the tool to start', () =>
      executions.some((e) => (e.input as { city?: string }).city === 'Replay'),
    );
    await session.steer('Be brief.');
    assert.equal((await first).text, 'Noted.');
    const second = session.send('And in Replay2?');
    await waitFor('the second tool', () =>
      executions.some((e) => (e.input as { city?: string }).city === 'Replay2'),
    );
    await session.interrupt();
    assert.equal((await second).status, 'cancelled');
    assert.equal((await session.send('Skip it.')).text, 'Done.');
    await session.end();
    await session.result();
    const history = await env.client.workflow.getHandle(session.id).fetchHistory();
    await Worker.runReplayHistory(
      { workflowBundle: await workflowBundle(), replayName: session.id },
      history,
    );
  });

  it('continues as new between sends without losing a message', async () => {
    env.fake.script([{ content: 'One.' }, { content: 'Two.' }, { content: 'Three.' }], {
      match: 'long session',
    });
    const session = open({ limits: { historyEventsBeforeContinueAsNew: 20 } });
    await session.send('long session: count with me');
    await session.send('and again');
    const third = await session.send('and once more');

    const history = await env.client.workflow.getHandle(session.id).fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    assert.ok(started?.continuedExecutionRunId, 'the session continued as new');
    assert.deepEqual(outline(messagesOf('long session', 2)), [
      'user: long session: count with me',
      'assistant: One.',
      'user: and again',
      'assistant: Two.',
      'user: and once more',
    ]);
    assert.equal(third.send, 3);
    const status = await session.status();
    assert.equal(status.sends, 3);
    await session.end();
    assert.equal((await session.result()).modelCalls, 3);
  });

  it('end closes the session; a later send is refused with SessionEnded', async () => {
    env.fake.script([{ content: 'Bye.' }], { match: 'ending session' });
    const session = open();
    await session.send('ending session: hello');
    await session.end('all done');
    const closed = await session.result();
    assert.equal(closed.endReason, 'all done');
    await rejected(session.send('are you there?'), SessionErrorType.SessionEnded, /has ended/);
  });

  it('the idle timeout closes the session', async () => {
    env.fake.script([{ content: 'Hi.' }], { match: 'idle session' });
    const session = open({ session: { idleTimeoutSeconds: 1 } });
    await session.send('idle session: hello');
    const closed = await session.result();
    assert.match(closed.endReason, /idle for 1s/);
    assert.equal(closed.sends, 1);
    await rejected(session.send('hello again'), SessionErrorType.SessionEnded);
  });

  it('the session budget stops the turn before its next model call and closes the session', async () => {
    env.fake.script(
      [
        {
          content: [
            { type: 'tool_use', id: 'toolu_budget_w', name: 'get_weather', input: { city: 'Costa' } },
          ],
          usage: { input_tokens: 80, output_tokens: 30 },
        },
      ],
      { match: 'budget session' },
    );
    const session = open({ session: { maxTotalTokens: 100 } });
    const result = await session.send('budget session: weather in Costa?');
    assert.equal(result.status, 'budget_exceeded');
    assert.match(result.reason ?? '', /session\.maxTotalTokens is 100/);
    assert.equal(servedBy(env.fake, 'budget session').length, 1);
    const closed = await session.result();
    assert.match(closed.endReason, /session\.maxTotalTokens/);
    await rejected(session.send('more?'), SessionErrorType.SessionEnded);
  });

  it('a tool that needs approval waits for the approve update, as in a run', async () => {
    env.fake.script(
      [
        {
          content: [
            { type: 'tool_use', id: 'toolu_sess_close', name: 'close_account', input: { account: 'S-1' } },
          ],
        },
        { content: 'Closed S-1.' },
      ],
      { match: 'approve in session' },
    );
    const session = open();
    const sent = session.send('approve in session: close S-1');
    // The first send starts the session: until it has, there is no workflow to ask.
    const waiting = async () => (await session.status().catch(() => undefined))?.approvalsWaiting.length ?? 0;
    for (let i = 0; i < 200 && (await waiting()) === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await session.status()).state, 'running');
    assert.match(await session.approve('toolu_sess_close'), /approved close_account/);
    const result = await sent;
    assert.equal(result.text, 'Closed S-1.');
    assert.equal(result.toolCalls[0]?.status, 'succeeded');
    await session.end();
  });

  it('refuses malformed sends and session input with typed errors, and the session goes on', async () => {
    env.fake.script([{ content: 'Still here.' }, { content: 'Yes.' }], { match: 'bad args' });
    const session = open();
    await session.send('bad args: hello');
    const handle = env.client.workflow.getHandle(session.id);
    for (const args of [
      { text: '   ' },
      { text: 'a', content: [{ type: 'text', text: 'b' }] },
      { content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'forged' }] },
      { text: 'x'.repeat(300_000) },
      'just a string',
    ]) {
      const err = await handle.executeUpdate(sendUpdate, { args: [args as never] }).then(
        () => assert.fail(`accepted ${JSON.stringify(args).slice(0, 80)}`),
        (e: unknown) => e,
      );
      assert.ok(err instanceof WorkflowUpdateFailedError);
      assert.equal((err.cause as { type?: string }).type, SessionErrorType.InvalidSendArgs);
    }
    await rejected(session.send('  '), SessionErrorType.InvalidSendArgs);
    await rejected(session.steer(''), SessionErrorType.InvalidSendArgs);
    assert.equal((await session.send('Are you still there?')).text, 'Yes.');

    const bad = open({ prompt: 'not here' } as SessionInput);
    await rejected(
      bad.send('hello'),
      SessionErrorType.InvalidSessionInput,
      /prompt: a session takes no prompt/,
    );
    const badLimits = open({ session: { idleTimeoutSeconds: -5 } });
    await rejected(
      badLimits.send('hello'),
      SessionErrorType.InvalidSessionInput,
      /session\.idleTimeoutSeconds/,
    );
    await session.end();
  });
});
