// Integration tests: the `durable-agent` command as a child process, against a real Temporal dev server, a
// worker in this process and the fake Claude over real HTTP.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { findOrInstallTemporalCli } from '../../src/dev-server';
import { cancelSignal } from '../../src/shared';
import { useTestEnv } from '../helpers/env';
import { waitFor } from '../helpers/child-worker';
import { closeAccount, testTools } from '../helpers/tools';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'durable-agent.js');
const env = useTestEnv([...testTools, closeAccount]);

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

/** Waits until the server's visibility store lists runs with these IDs for the query (it lags a little). */
async function waitUntilListed(query: string, ids: string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const listed = new Set<string>();
    for await (const info of env.client.workflow.list({ query })) listed.add(info.workflowId);
    if (ids.every((id) => listed.has(id))) return;
    if (Date.now() > deadline) assert.fail(`visibility never listed ${ids.join(', ')} for ${query}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A run whose first turn calls get_weather and broken_lookup (which fails for good), then answers. */
async function toolUsingRun(tag: string): Promise<string> {
  const slug = tag.replace(/\W+/g, '_');
  env.fake.script(
    [
      {
        content: [
          { type: 'text', text: 'Checking the weather.' },
          { type: 'tool_use', id: `toolu_${slug}_w`, name: 'get_weather', input: { city: 'Oslo' } },
          { type: 'tool_use', id: `toolu_${slug}_b`, name: 'broken_lookup', input: { permanent: true } },
        ],
      },
      { content: 'Oslo is sunny; the lookup failed.' },
    ],
    { match: tag },
  );
  const id = `${slug}-${Date.now()}`;
  const result = await env.run({ prompt: `${tag}: weather in Oslo?` }, id);
  assert.equal(result.status, 'completed');
  return id;
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

  it('run prints the text as it streams, then the result as before', async () => {
    env.fake.script(
      [{ content: 'Streaming to the terminal, piece by piece.', deltas: 10, chunkDelayMs: 150 }],
      {
        match: 'CLI stream',
      },
    );
    const child = spawn(process.execPath, [BIN, 'run', 'CLI stream a sentence'], {
      env: { ...process.env, TEMPORAL_ADDRESS: env.server.address, DURABLE_AGENT_TASK_QUEUE: env.taskQueue },
    });
    let stdout = '';
    let firstTextAt: number | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (firstTextAt === undefined && stdout.includes('Streaming')) firstTextAt = Date.now();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const exitedAt = Date.now();
    assert.equal(code, 0);
    assert.ok(firstTextAt !== undefined && exitedAt - firstTextAt > 700, 'text came out well before the end');
    assert.match(
      stdout,
      /^Streaming to the terminal, piece by piece\.\n\n+Streaming to the terminal, piece by piece\.\n\nstatus {6}completed/,
    );
  });

  it('cancel stops a running run with the reason given', async () => {
    env.fake.script([{ content: 'Never sent.', delayMs: 20_000 }], { match: 'CLI cancel me' });
    const handle = await env.start({ prompt: 'CLI cancel me.' });
    await waitFor('the model call', () => env.fake.requests.some((r) => r.match === 'CLI cancel me'));
    const result = await cli(['cancel', handle.workflowId, '--reason', 'wrong customer', '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      workflowId: handle.workflowId,
      cancelRequested: true,
      reason: 'wrong customer',
    });
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
    const no = await cli([
      'approve',
      handle.workflowId,
      'toolu_cli_b',
      '--reject',
      '--note',
      'keep it',
      '--json',
    ]);
    assert.equal(no.code, 0, no.stderr);
    const decided = JSON.parse(no.stdout) as { approved: boolean; message: string };
    assert.equal(decided.approved, false);
    assert.match(decided.message, /rejected close_account \(toolu_cli_b\)/);
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

  it('says so when a run ID is unknown, as JSON too when asked', async () => {
    const result = await cli(['status', 'no-such-run']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no run with ID "no-such-run".*durable-agent list/);
    const json = await cli(['transcript', 'no-such-run', '--json']);
    assert.equal(json.code, 1);
    assert.equal((JSON.parse(json.stdout) as { error: { type: string } }).error.type, 'RunNotFound');
  });

  it("prints each command's usage for --help and exits 0", async () => {
    const run = await cli(['run', '--help']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Usage: durable-agent run "PROMPT"/);
    assert.match(run.stdout, /--max-iterations N/);
    assert.match(run.stdout, /Exit codes: 0 completed/);
    const list = await cli(['help', 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^Usage: durable-agent list \[--status S\]/);
    const all = await cli(['--help']);
    assert.equal(all.code, 0);
    for (const command of [
      'run',
      'status',
      'list',
      'transcript',
      'cancel',
      'approve',
      'worker',
      'dev',
      'serve',
      'demo',
    ])
      assert.match(all.stdout, new RegExp(`^  ${command} `, 'm'));
  });

  it('rejects --json on commands that print for people only, with exit 2', async () => {
    const result = await cli(['worker', '--json']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /`durable-agent worker` has no --json output/);
    assert.equal((JSON.parse(result.stdout) as { error: { type: string } }).error.type, 'BadUsage');
  });

  it('list shows finished runs with their search attributes, and --status filters on AgentStatus', async () => {
    env.fake.script([{ content: 'Listed and done.' }], { match: 'CLI list done' });
    env.fake.script([{ content: 'No.', stopReason: 'refusal' }], { match: 'CLI list refuse' });
    const done = `cli-list-done-${Date.now()}`;
    const refused = `cli-list-refused-${Date.now()}`;
    assert.equal((await env.run({ prompt: 'CLI list done' }, done)).status, 'completed');
    assert.equal((await env.run({ prompt: 'CLI list refuse' }, refused)).status, 'refused');
    await waitUntilListed("AgentStatus = 'refused'", [refused]);
    await waitUntilListed("AgentStatus = 'completed'", [done]);

    const table = await cli(['list']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^ID +STATUS +TURNS +TOKENS +COST +MODEL +STARTED$/m);
    assert.match(
      table.stdout,
      new RegExp(`^${refused} +refused +1 +\\d+ +\\$0\\.\\d{4} +claude-sonnet-4-6 +\\d{4}-`, 'm'),
    );
    const lines = table.stdout.trim().split('\n');
    assert.ok(
      lines.findIndex((l) => l.startsWith(refused)) < lines.findIndex((l) => l.startsWith(done)),
      'newest first',
    );

    const completed = await cli(['list', '--status', 'completed', '--json']);
    assert.equal(completed.code, 0, completed.stderr);
    const rows = JSON.parse(completed.stdout) as Array<{ workflowId: string; status: string; turns: number }>;
    assert.ok(rows.some((r) => r.workflowId === done && r.turns === 1));
    assert.ok(!rows.some((r) => r.workflowId === refused));
    assert.ok(rows.every((r) => r.status === 'completed'));

    const limited = await cli(['list', '--limit', '1', '--json']);
    assert.equal((JSON.parse(limited.stdout) as unknown[]).length, 1);
  });

  it('list --status with an unknown status exits 2 and names the valid ones', async () => {
    const result = await cli(['list', '--status', 'bogus']);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /--status bogus is not a run status; use one of: running, completed, .*needs_attention/,
    );
    assert.equal(result.stdout, '');
  });

  it("transcript shows a finished run's prompt, tool calls, tool results (ERROR marked) and answer", async () => {
    const id = await toolUsingRun('CLI transcript');
    const text = await cli(['transcript', id]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^── user\n {2}CLI transcript: weather in Oslo\?\n/);
    assert.match(
      text.stdout,
      /── claude · turn 1\n {2}Checking the weather\.\n {2}→ get_weather \{"city":"Oslo"\}/,
    );
    assert.match(text.stdout, /← get_weather \[toolu_CLI_transcript_w\]: .*sunny in Oslo/);
    assert.match(text.stdout, /← broken_lookup \[toolu_CLI_transcript_b\] ERROR: .*record 7 does not exist/);
    assert.match(text.stdout, /── claude · turn 2 · final answer\n {2}Oslo is sunny; the lookup failed\./);
    assert.match(text.stdout, /── completed · 2 turns · 2 tool calls/);

    const json = await cli(['transcript', id, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { state: string; messages: Array<{ role: string }> };
    assert.equal(parsed.state, 'finished');
    assert.deepEqual(
      parsed.messages.map((m) => m.role),
      ['user', 'assistant', 'user', 'assistant'],
    );
  });

  it('transcript of a run still going says so and shows the tool calls so far', async () => {
    env.fake.script(
      [
        { content: [{ type: 'tool_use', name: 'get_weather', input: { city: 'Bergen' } }] },
        { content: 'Never sent.', delayMs: 20_000 },
      ],
      { match: 'CLI still going' },
    );
    const handle = await env.start({ prompt: 'CLI still going.' });
    await waitFor(
      'the second model call',
      () => env.fake.requests.filter((r) => r.match === 'CLI still going').length === 2,
    );
    const result = await cli(['transcript', handle.workflowId]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /is still running; its transcript is ready when it ends/);
    assert.match(result.stdout, /→ get_weather \{"city":"Bergen"\} {2}succeeded/);
    await handle.signal(cancelSignal, { reason: 'test over' });
    assert.equal((await handle.result()).status, 'cancelled');
  });

  it('temporal workflow list --query "AgentStatus=\'completed\'" finds a finished run', async () => {
    const id = await toolUsingRun('CLI temporal list');
    const temporal = (await findOrInstallTemporalCli()).path;
    const args = ['workflow', 'list', '--address', env.server.address, '--namespace', env.server.namespace];
    args.push('--query', "AgentStatus='completed'", '--output', 'json');
    const deadline = Date.now() + 30_000;
    let output = '';
    while (!output.includes(id)) {
      if (Date.now() > deadline) assert.fail(`temporal workflow list never showed ${id}:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
      output = execFileSync(temporal, args, { encoding: 'utf8', timeout: 30_000 });
    }
    const listed = parseJsonDocuments(output) as Array<{ execution?: { workflowId?: string } }>;
    assert.ok(
      listed.some((w) => w.execution?.workflowId === id),
      `${id} in the parsed output:\n${output}`,
    );
  });
});

/** The Temporal CLI's JSON output: one array, or one object per line. */
function parseJsonDocuments(output: string): unknown[] {
  const trimmed = output.trim();
  if (trimmed.startsWith('[')) return JSON.parse(trimmed) as unknown[];
  return trimmed
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as unknown);
}

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
