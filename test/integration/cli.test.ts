// Integration tests: the `durable-agent` command as a child process, against a real Temporal dev server, a
// worker in this process and the fake Claude over real HTTP.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestEnv } from '../helpers/env';
import type { TestEnv } from '../helpers/env';
import { waitFor } from '../helpers/child-worker';
import { closeAccount, testTools } from '../helpers/tools';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'durable-agent.js');
let env: TestEnv;

before(async () => {
  env = await startTestEnv();
  await env.startWorker([...testTools, closeAccount]);
});
after(async () => {
  await env?.close();
});

/** Runs the CLI; resolves with its exit code and output whatever the code. */
function cli(args: string[], extraEnv: Record<string, string> = {}, timeout = 60_000) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      {
        timeout,
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: env.server.address,
          DURABLE_AGENT_TASK_QUEUE: env.taskQueue,
          TEMPORAL_UI_URL: 'http://ui.example:8233',
          ...extraEnv,
        },
      },
      (err, stdout, stderr) => resolve({ code: child.exitCode ?? (err ? 1 : 0), stdout, stderr }),
    );
  });
}

describe('durable-agent CLI', () => {
  it('run prints the answer and the Web UI link, and joins the finished run on a second start', async () => {
    env.fake.script([{ content: 'Paris is sunny.' }], { match: 'CLI weather' });
    const id = `cli-run-${Date.now()}`;
    const first = await cli(['run', 'CLI weather in Paris?', '--id', id]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^Paris is sunny\./);
    assert.match(first.stdout, /status {6}completed/);
    assert.match(
      first.stdout,
      new RegExp(`web ui {6}http://ui.example:8233/namespaces/default/workflows/${id}/[0-9a-f-]+/history`),
    );
    assert.match(first.stderr, new RegExp(`Started run ${id}`));

    const second = await cli(['run', 'CLI weather in Paris?', '--id', id, '--json']);
    assert.equal(second.code, 0, second.stderr);
    const json = JSON.parse(second.stdout) as { text: string; workflowId: string };
    assert.equal(json.text, 'Paris is sunny.');
    assert.equal(json.workflowId, id);
    assert.equal(
      env.fake.requests.filter((r) => r.match === 'CLI weather').length,
      1,
      'one run, one model call',
    );

    const status = await cli(['status', id, '--json']);
    assert.equal(status.code, 0, status.stderr);
    const described = JSON.parse(status.stdout) as { execution: string; progress: { status: string } };
    assert.equal(described.execution, 'COMPLETED');
    assert.equal(described.progress.status, 'completed');
  });

  it('cancel stops a running run with the reason given', async () => {
    env.fake.script([{ content: 'Never sent.', delayMs: 20_000 }], { match: 'CLI cancel me' });
    const handle = await env.start({ prompt: 'CLI cancel me.' });
    await waitFor('the model call', () => env.fake.requests.some((r) => r.match === 'CLI cancel me'));
    const result = await cli(['cancel', handle.workflowId, '--reason', 'wrong customer']);
    assert.equal(result.code, 0, result.stderr);
    const ended = await handle.result();
    assert.equal(ended.status, 'cancelled');
    assert.equal(ended.reason, 'wrong customer');
  });

  it('approve and reject decide waiting tool calls; a wrong ID says what waits', async () => {
    env.fake.script(
      [
        {
          content: [
            { type: 'tool_use', id: 'toolu_cli_a', name: 'close_account', input: { account: 'cli-a' } },
            { type: 'tool_use', id: 'toolu_cli_b', name: 'close_account', input: { account: 'cli-b' } },
          ],
        },
        { content: 'One closed.' },
      ],
      { match: 'CLI approvals' },
    );
    const handle = await env.start({ prompt: 'CLI approvals please.' });
    let wrong = await cli(['approve', handle.workflowId, 'toolu_wrong']);
    for (let i = 0; i < 40 && !/Waiting now: toolu_cli_a, toolu_cli_b/.test(wrong.stderr); i++) {
      await new Promise((r) => setTimeout(r, 100));
      wrong = await cli(['approve', handle.workflowId, 'toolu_wrong']);
    }
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /No tool call toolu_wrong is waiting.*Waiting now: toolu_cli_a, toolu_cli_b/);
    const ok = await cli(['approve', handle.workflowId, 'toolu_cli_a']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /approved close_account \(toolu_cli_a\)/);
    const no = await cli(['approve', handle.workflowId, 'toolu_cli_b', '--reject', '--note', 'keep it']);
    assert.equal(no.code, 0, no.stderr);
    const result = await handle.result();
    assert.deepEqual(
      result.toolCalls.map((c) => c.status),
      ['succeeded', 'rejected'],
    );
  });

  it('exits 3 when the run ends without completing', async () => {
    env.fake.script([{ content: 'No.', stopReason: 'refusal' }], { match: 'CLI refuse' });
    const result = await cli(['run', 'CLI refuse this']);
    assert.equal(result.code, 3);
    assert.match(result.stdout, /status {6}refused/);
  });

  it('exits 1 with the typed error when the run fails', async () => {
    env.fake.script([{ fault: 'status', status: 400, message: 'tools.0: broken' }], { match: 'CLI fail' });
    const result = await cli(['run', 'CLI fail please']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /failed: ClaudeBadRequest: .*tools.0: broken/);
  });

  it('exits 2 on bad usage with a hint', async () => {
    const flag = await cli(['run', 'x', '--bogus']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /Unknown option '--bogus'.*--help/);
    const command = await cli(['launch']);
    assert.equal(command.code, 2);
    assert.match(command.stderr, /unknown command "launch"/);
    const missing = await cli(['run']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /give the prompt/);
  });

  it('exits 4 and says what to do when no server answers', async () => {
    const result = await cli(['status', 'any'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(result.code, 4);
    assert.match(result.stderr, /Cannot reach the Temporal server at 127.0.0.1:1.*durable-agent dev/);
  });

  it('says so when a run ID is unknown', async () => {
    const result = await cli(['status', 'no-such-run']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no run with ID "no-such-run"/);
  });
});

describe('durable-agent demo', () => {
  it("runs an agent end to end with the fake Claude and prints the run's Web UI link", async () => {
    const db = path.join(await mkdtemp(path.join(os.tmpdir(), 'demo-')), 'demo.db');
    const result = await cli(['demo', '--no-wait', '--db', db], { ANTHROPIC_API_KEY: '' }, 180_000);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(
      result.stdout,
      /ANTHROPIC_API_KEY is not set, so this demo talks to the bundled fake Claude/,
    );
    assert.match(result.stdout, /Order 48810 has shipped with DHL/);
    assert.match(result.stdout, /tool calls {2}get_order_status, find_orders_by_email/);
    const link = /web ui {6}(http:\S+)/.exec(result.stdout)?.[1];
    assert.ok(link, 'the demo prints the run link');
  });
});
