// Integration tests: `durable-agent chat` as a child process with piped stdin, against a real Temporal dev
// server, a worker in this process and the fake Claude over real HTTP.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { MessageParam } from '../../src/shared';
import { textOf } from '../../src/shared';
import { openSession } from '../../src/session-client';
import { useTestEnv } from '../helpers/env';
import { servedBy } from '../helpers/fake-requests';
import { controlTools } from '../helpers/tools';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'durable-agent.js');
const env = useTestEnv(controlTools);

/** Runs `durable-agent chat` with these lines on stdin; resolves with its exit code and output. */
function chat(args: string[], lines: string[], timeout = 60_000) {
  return new Promise<{
    code: number | null;
    stdout: string;
    stderr: string;
    /** When stdout first held each length of text (ms since the epoch). */
    stdoutAt: Array<{ at: number; length: number }>;
  }>((resolve) => {
    const child = spawn(process.execPath, [BIN, 'chat', ...args], {
      timeout,
      env: { ...process.env, TEMPORAL_ADDRESS: env.server.address, DURABLE_AGENT_TASK_QUEUE: env.taskQueue },
    });
    let stdout = '';
    let stderr = '';
    const stdoutAt: Array<{ at: number; length: number }> = [];
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      stdoutAt.push({ at: Date.now(), length: stdout.length });
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr, stdoutAt }));
    child.stdin.end(lines.map((l) => `${l}\n`).join(''));
  });
}

describe('durable-agent chat', () => {
  it('answers piped lines in order, one conversation, and /end closes it', async () => {
    env.fake.script([{ content: 'Hello Grace.' }, { content: 'You are Grace.' }], { match: 'chat cli' });
    const id = `chat-cli-${Date.now()}`;
    const run = await chat([id], ['chat cli: I am Grace', 'Who am I?', '/end']);

    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'Hello Grace.\nYou are Grace.\n');
    assert.match(run.stderr, /ended/);
    const second = (servedBy(env.fake, 'chat cli')[1]?.body as { messages: MessageParam[] }).messages;
    assert.deepEqual(
      second.map((m) => textOf(m.content)),
      ['chat cli: I am Grace', 'Hello Grace.', 'Who am I?'],
    );
    const closed = await openSession(env.client, id, {}, { taskQueue: env.taskQueue }).result();
    assert.equal(closed.endReason, 'ended from durable-agent chat');
    assert.equal(closed.sends, 2);
  });

  it('goes on with a running conversation by ID, and says so when it has ended', async () => {
    env.fake.script([{ content: 'First.' }, { content: 'Second.' }], { match: 'chat resume' });
    const id = `chat-resume-${Date.now()}`;
    const first = await chat([id], ['chat resume: one']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /stays open/);
    const second = await chat([id], ['two', '/end']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, 'Second.\n');
    const third = await chat([id], ['three']);
    assert.equal(third.code, 1);
    assert.match(third.stderr, /SessionEnded/);
  });

  it('streams the answer as the model writes it, shows tool calls as they run, and prints the answer once', async () => {
    const answer = Array.from({ length: 40 }, (_, i) => `breeze${i}`).join(' ') + '.';
    env.fake.script(
      [
        {
          content: [
            { type: 'text', text: 'Checking the weather.' },
            { type: 'tool_use', id: 'toolu_chat_w', name: 'get_weather', input: { city: 'Oslo' } },
          ],
        },
        { content: answer, deltas: 20, chunkDelayMs: 100 },
      ],
      { match: 'chat stream' },
    );
    const id = `chat-stream-${Date.now()}`;
    const run = await chat([id], ['chat stream: weather in Oslo?', '/end']);
    assert.equal(run.code, 0, run.stderr);
    // Every turn's text, as it streamed, once; not the final answer a second time when the send returns.
    assert.equal(run.stdout, `Checking the weather.\n\n${answer}\n`);
    assert.match(run.stderr, /… get_weather \(toolu_chat_w\)/);
    assert.match(run.stderr, /✓ get_weather succeeded/);
    // The first part of the answer was on stdout while the fake was still streaming it (about 2 s).
    const call = servedBy(env.fake, 'chat stream')[1];
    assert.ok(call?.endedAt !== undefined);
    const partShown = `Checking the weather.\n\nbreeze0`.length;
    const shownAt = run.stdoutAt.find((s) => s.length >= partShown)?.at;
    assert.ok(
      shownAt !== undefined && shownAt < call.endedAt - 1000,
      `shown ${call.endedAt - (shownAt ?? 0)} ms before the end`,
    );
  });
});
