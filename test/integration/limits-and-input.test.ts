// Integration tests: a real Temporal dev server, a worker in this process, the fake Claude over real HTTP.
// Budgets are checked before every model call; bad input fails at once; a workflow ID gives one run.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { awaitResult, RunFailedError, startRun } from '../../src/client';
import { findOrInstallTemporalCli } from '../../src/dev-server';
import type { AgentResult } from '../../src/shared';
import { useTestEnv } from '../helpers/env';
import { testTools } from '../helpers/tools';

const env = useTestEnv(testTools);

const served = (match: string) => env.fake.requests.filter((r) => r.match === match);
const weatherCall = (city: string) => ({
  content: [{ type: 'tool_use', name: 'get_weather', input: { city } }],
});

describe('limits', () => {
  it('asks for a final answer with tool_choice none on the last allowed iteration', async () => {
    env.fake.script([weatherCall('Accra'), weatherCall('Cairo'), { content: 'Accra and Cairo are sunny.' }], {
      match: 'keeps calling tools',
    });
    const result = await env.run({
      prompt: 'An agent that keeps calling tools.',
      limits: { maxIterations: 3 },
    });
    assert.equal(result.status, 'iteration_limit');
    assert.equal(result.iterations, 3);
    assert.equal(result.text, 'Accra and Cairo are sunny.');
    const choices = served('keeps calling tools').map(
      (r) => (r.body as { tool_choice?: { type: string } }).tool_choice?.type,
    );
    assert.deepEqual(choices, ['auto', 'auto', 'none']);
  });

  it('completes normally when a one-iteration run needs no tools', async () => {
    env.fake.script([{ content: 'Hello.' }], { match: 'Just say hello' });
    const result = await env.run({ prompt: 'Just say hello.', limits: { maxIterations: 1 } });
    assert.equal(result.status, 'completed');
  });

  it('stops before the next model call once the token budget is spent', async () => {
    env.fake.script([{ ...weatherCall('Delhi'), usage: { input_tokens: 900, output_tokens: 200 } }], {
      match: 'token budget',
    });
    const result = await env.run({ prompt: 'Spend the token budget.', limits: { maxTotalTokens: 1000 } });
    assert.equal(result.status, 'budget_exceeded');
    assert.match(result.reason ?? '', /spent 1100 tokens; the budget maxTotalTokens is 1000/);
    assert.equal(result.iterations, 1);
    assert.equal(served('token budget').length, 1, 'no model call after the budget ran out');
    assert.equal(result.toolCalls.length, 1, 'the tools of the last turn still ran');
  });

  it('stops before the next model call once the cost budget is spent', async () => {
    // 10,000 output tokens on Opus 4.1 cost $0.75.
    env.fake.script([{ ...weatherCall('Doha'), usage: { input_tokens: 10, output_tokens: 10_000 } }], {
      match: 'cost budget',
    });
    const result = await env.run({
      prompt: 'Spend the cost budget.',
      model: 'claude-opus-4-1',
      limits: { maxCostUsd: 0.5 },
    });
    assert.equal(result.status, 'budget_exceeded');
    assert.equal(result.costUsd, (10 * 15 + 10_000 * 75) / 1e6);
    assert.match(result.reason ?? '', /maxCostUsd is \$0.5/);
    assert.equal(served('cost budget').length, 1);
  });
});

describe('run input', () => {
  it('fails at once with InvalidAgentInput listing every problem', async () => {
    const bad = { prompt: '', limits: { maxIterations: 0, maxTokenz: 5 }, model: 7 };
    await assert.rejects(env.run(bad as never), (err: unknown) => {
      assert.ok(err instanceof RunFailedError);
      assert.equal(err.type, 'InvalidAgentInput');
      assert.match(err.message, /prompt: prompt must not be empty/);
      assert.match(err.message, /limits\.maxIterations: .*>=1/);
      assert.match(err.message, /limits: Unrecognized key: "maxTokenz"/);
      assert.match(err.message, /model: .*expected string/);
      return true;
    });
  });

  it('fails when the run names a tool no worker has, naming the known ones', async () => {
    await assert.rejects(
      env.run({ prompt: 'Use a missing tool.', tools: ['get_weather', 'teleport'] }),
      (err: unknown) => {
        assert.ok(err instanceof RunFailedError);
        assert.equal(err.type, 'ToolsUnavailable');
        assert.match(err.message, /teleport.*Known tools: .*get_weather/);
        return true;
      },
    );
  });

  it('fails before any model call when toolChoice forces a tool the worker does not have', async () => {
    const before = env.fake.requests.length;
    await assert.rejects(
      env.run({ prompt: 'Force a missing tool.', toolChoice: { type: 'tool', name: 'teleport' } }),
      (err: unknown) => {
        assert.ok(err instanceof RunFailedError);
        assert.equal(err.type, 'InvalidAgentInput');
        assert.match(
          err.message,
          /toolChoice names "teleport", which is not one of the run's tools \(.*get_weather/,
        );
        return true;
      },
    );
    assert.equal(env.fake.requests.length, before, 'no model call was made');
  });

  it('fails for a model with no known price unless the run gives one', async () => {
    await assert.rejects(
      env.run({ prompt: 'Price me.', model: 'my-own-model' }),
      /No price is known for model "my-own-model"/,
    );
    env.fake.script([{ content: 'Priced.' }], { match: 'priced run' });
    const pricing = { inputPerMTok: 1, outputPerMTok: 2, cacheWritePerMTok: 1, cacheReadPerMTok: 0.1 };
    const result = await env.run({ prompt: 'A priced run.', model: 'my-own-model', pricing });
    assert.equal(result.status, 'completed');
  });

  it('sends only the tools the run asks for', async () => {
    env.fake.script([{ content: 'One tool.' }], { match: 'Only weather' });
    await env.run({ prompt: 'Only weather tools.', tools: ['get_weather'] });
    const tools = (served('Only weather')[0]?.body as { tools: Array<{ name: string }> }).tools;
    assert.deepEqual(
      tools.map((t) => t.name),
      ['get_weather'],
    );
  });
});

describe('workflow IDs', () => {
  it('starting the same workflow ID twice gives one run', async () => {
    env.fake.script([{ content: 'Only once.', delayMs: 500 }], { match: 'Start me twice' });
    const input = { prompt: 'Start me twice.' };
    const workflowId = `twice-${Date.now()}`;
    const [a, b] = await Promise.all([
      startRun(env.client, input, { workflowId, taskQueue: env.taskQueue }),
      startRun(env.client, input, { workflowId, taskQueue: env.taskQueue }),
    ]);
    assert.deepEqual([a.state, b.state].sort(), ['running', 'started']);
    const [ra, rb] = await Promise.all([awaitResult(a.handle), awaitResult(b.handle)]);
    assert.equal(ra.text, 'Only once.');
    assert.deepEqual(ra, rb);
    const later = await startRun(env.client, input, { workflowId, taskQueue: env.taskQueue });
    assert.equal(later.state, 'finished');
    assert.equal((await awaitResult(later.handle)).text, 'Only once.');
    assert.equal(served('Start me twice').length, 1, 'the model was called by one run only');

    env.fake.script([{ content: 'Twice, as asked.' }], { match: 'Start me twice' });
    const fresh = await startRun(env.client, input, {
      workflowId,
      taskQueue: env.taskQueue,
      onExistingId: 'new',
    });
    assert.equal(fresh.state, 'started', 'a new run when the caller asks for one explicitly');
    assert.equal((await awaitResult(fresh.handle)).text, 'Twice, as asked.');
  });

  it('runs from `temporal workflow execute` and returns the result JSON', async () => {
    const cli = await findOrInstallTemporalCli();
    env.fake.script([{ content: 'From the CLI.' }], { match: 'from the temporal CLI' });
    const { stdout } = await promisify(execFile)(cli.path, [
      'workflow',
      'execute',
      '--address',
      env.server.address,
      '--type',
      'agentRun',
      '--task-queue',
      env.taskQueue,
      '--workflow-id',
      `cli-${Date.now()}`,
      '--input',
      JSON.stringify({ prompt: 'Hello from the temporal CLI.' }),
      '--output',
      'json',
    ]);
    const output = JSON.parse(stdout) as { result: AgentResult; status: string };
    assert.equal(output.result.status, 'completed');
    assert.equal(output.result.text, 'From the CLI.');
    assert.deepEqual(Object.keys(output.result.usage).sort(), [
      'cacheCreationInputTokens',
      'cacheReadInputTokens',
      'inputTokens',
      'outputTokens',
    ]);
  });
});
