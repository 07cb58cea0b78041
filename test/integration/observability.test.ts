// Integration tests: the real worker entry point (`npm run worker`, src/worker.ts) as a child process against a
// real dev server and the fake Claude. Its stdout carries JSON logs per turn and per tool call; its Prometheus
// endpoint serves Temporal's runtime metrics and the agent's own.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../src/dev-server';
import { waitFor } from '../helpers/child-worker';
import { startTestEnv } from '../helpers/env';
import type { TestEnv } from '../helpers/env';

const ROOT = path.resolve(__dirname, '..', '..');
let env: TestEnv;
let worker: ChildProcess;
let metricsUrl: string;
let stdout = '';

before(async () => {
  env = await startTestEnv();
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  worker = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'worker.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: env.server.address,
      DURABLE_AGENT_TASK_QUEUE: env.taskQueue,
      ANTHROPIC_API_KEY: 'test-key',
      ANTHROPIC_BASE_URL: env.fake.url,
      DURABLE_AGENT_TOOLS: path.join(ROOT, 'examples', 'tools', 'index.ts'),
      DURABLE_AGENT_METRICS_ADDRESS: `127.0.0.1:${port}`,
      DURABLE_AGENT_LOG_FORMAT: 'json',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  worker.stderr?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  await waitFor('the worker to poll', () => stdout.includes('durable-agent worker polling'), 60_000);
});
after(async () => {
  worker?.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  worker?.kill('SIGKILL');
  await env?.close();
});

const jsonLines = () =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('worker logs and metrics', () => {
  it('logs each turn and each tool call as JSON with the run, turn, call, duration, tokens and outcome', async () => {
    env.fake.script(
      [
        {
          content: [
            { type: 'tool_use', id: 'toolu_obs_1', name: 'get_order_status', input: { order_id: '48810' } },
          ],
          usage: { input_tokens: 500, output_tokens: 40 },
        },
        { content: 'It shipped.', usage: { input_tokens: 700, output_tokens: 10 } },
      ],
      { match: 'observe me' },
    );
    const handle = await env.start({ prompt: 'Please observe me.' });
    await handle.result();
    await waitFor(
      'the run-finished log',
      () => jsonLines().some((l) => l.msg === 'run finished' && l.workflowId === handle.workflowId),
      10_000,
    );
    const lines = jsonLines().filter((l) => l.workflowId === handle.workflowId);

    const turns = lines.filter((l) => l.msg === 'model call');
    assert.deepEqual(
      turns.map((l) => [l.turn, l.inputTokens, l.outputTokens, l.stopReason]),
      [
        [1, 500, 40, 'tool_use'],
        [2, 700, 10, 'end_turn'],
      ],
    );
    const tool = lines.find((l) => l.msg === 'tool call');
    assert.equal(tool?.toolUseId, 'toolu_obs_1');
    assert.equal(tool?.tool, 'get_order_status');
    assert.equal(tool?.status, 'succeeded');
    assert.equal(typeof tool?.durationMs, 'number');
    assert.equal(tool?.turn, 1);
    const end = lines.find((l) => l.msg === 'run finished');
    assert.equal(end?.status, 'completed');
    assert.equal(end?.totalTokens, 1250);
    assert.match(String(end?.time), /^\d{4}-\d{2}-\d{2}T/);
  });

  it('serves Temporal runtime metrics and the agent metrics on the Prometheus endpoint', async () => {
    env.fake.script(
      [
        { content: [{ type: 'tool_use', name: 'get_order_status', input: { order_id: '99999' } }] },
        { content: 'Not found.' },
      ],
      { match: 'missing order' },
    );
    await (await env.start({ prompt: 'Find a missing order.' })).result();
    let text = '';
    await waitFor(
      'agent metrics to be exported',
      () => {
        void fetch(metricsUrl)
          .then((r) => r.text())
          .then((t) => (text = t))
          .catch(() => undefined);
        return (
          /durable_agent_runs\{[^}]*status="completed"/.test(text) && /durable_agent_tool_errors/.test(text)
        );
      },
      20_000,
    );
    assert.match(text, /temporal_workflow_completed/, 'Temporal runtime metrics');
    assert.match(
      text,
      /durable_agent_tokens\{[^}]*kind="input"[^}]*model="claude-sonnet-4-6"|durable_agent_tokens\{[^}]*model="claude-sonnet-4-6"[^}]*kind="input"/,
    );
    assert.match(text, /durable_agent_cost_micro_usd/);
    assert.match(text, /durable_agent_tool_duration_bucket\{[^}]*tool="get_order_status"/);
    assert.match(
      text,
      /durable_agent_tool_errors\{[^}]*type="OrderNotFound"|durable_agent_tool_errors\{[^}]*tool="get_order_status"[^}]*type="ToolFailed"/,
    );
  });
});
