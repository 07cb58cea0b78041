// Integration tests: a real Temporal dev server, a worker in this process, the fake Claude over real HTTP.
// Sub-agents: each call runs a child agentRun workflow whose usage and cost roll into the parent's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { awaitResult, getProgress } from '../../src/client';
import { cancelSignal, ToolErrorType } from '../../src/shared';
import type { AgentResult } from '../../src/shared';
import { waitFor } from '../helpers/child-worker';
import { useTestEnv, workflowBundle } from '../helpers/env';
import { lastToolResults, servedBy } from '../helpers/fake-requests';

const env = useTestEnv([]);

const usage = (input: number, output: number) => ({
  input_tokens: input,
  output_tokens: output,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
});
const served = (match: string) => servedBy(env.fake, match);
const lastResults = (match: string) => lastToolResults(env.fake, match);
const child = (result: AgentResult, toolUseId: string) =>
  result.toolCalls.find((call) => call.toolUseId === toolUseId)?.child;

const researcher = { name: 'researcher', description: 'Finds facts about one topic.' };
const writer = { name: 'writer', description: 'Writes a short paragraph.', system: 'Be brief.' };

describe('sub-agents', () => {
  it('runs two sub-agents in parallel as child runs whose usage sums into the parent', async () => {
    env.fake.script(
      [
        {
          content: [
            { type: 'tool_use', id: 'toolu_sa_r', name: 'researcher', input: { task: 'facts about owls' } },
            { type: 'tool_use', id: 'toolu_sa_w', name: 'writer', input: { task: 'a paragraph on otters' } },
          ],
          usage: usage(100, 10),
        },
        { content: 'Owls and otters, done.', usage: usage(200, 20) },
      ],
      { match: 'owls and otters' },
    );
    env.fake.script([{ content: 'Owls hunt at night.', usage: usage(1000, 100) }], {
      match: 'facts about owls',
    });
    env.fake.script([{ content: 'Otters hold hands.', usage: usage(2000, 200) }], {
      match: 'a paragraph on otters',
    });
    const workflowId = `subagents-parallel-${Date.now()}`;
    const result = await env.run(
      { prompt: 'Tell me about owls and otters.', subagents: [researcher, writer] },
      workflowId,
    );

    assert.equal(result.status, 'completed');
    assert.equal(result.text, 'Owls and otters, done.');
    // The parent's own 300 + 30 and each child's, summed.
    assert.deepEqual(result.usage, {
      inputTokens: 3300,
      outputTokens: 330,
      cacheReadInputTokens: 0,
      cacheCreationInputTokens: 0,
    });
    // Sonnet: $3 in, $15 out per million tokens, for the parent and the children alike.
    assert.equal(result.costUsd, (3300 * 3 + 330 * 15) / 1e6);
    assert.deepEqual(child(result, 'toolu_sa_r'), {
      workflowId: `${workflowId}/toolu_sa_r`,
      status: 'completed',
      usage: { inputTokens: 1000, outputTokens: 100, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
      costUsd: (1000 * 3 + 100 * 15) / 1e6,
    });
    assert.equal(child(result, 'toolu_sa_w')?.workflowId, `${workflowId}/toolu_sa_w`);
    // Each child's final text is its tool_result.
    const results = lastResults('owls and otters');
    assert.equal(results.get('toolu_sa_r')?.content, 'Owls hunt at night.');
    assert.equal(results.get('toolu_sa_w')?.content, 'Otters hold hands.');
    assert.equal(results.get('toolu_sa_r')?.is_error, undefined);
    // Both children were real child workflows of the parent, with the sub-agent's system prompt.
    const described = await env.client.workflow.getHandle(`${workflowId}/toolu_sa_w`).describe();
    assert.equal(described.parentExecution?.workflowId, workflowId);
    assert.equal(
      (served('a paragraph on otters')[0]?.body as { system?: unknown }).system !== undefined,
      true,
    );
    // The parent's decisions come from its history alone: it replays, children's results included.
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
    // The model saw each sub-agent as a tool taking a task.
    const tools = (served('owls and otters')[0]?.body as { tools: Array<{ name: string }> }).tools;
    assert.deepEqual(
      tools.map((t) => t.name),
      ['researcher', 'writer'],
    );
  });

  it('caps a child by what the parent has left, and reports the child that ran out as an error', async () => {
    env.fake.script(
      [
        {
          content: [
            { type: 'tool_use', id: 'toolu_sa_b', name: 'researcher', input: { task: 'dig into moles' } },
          ],
          usage: usage(400, 100),
        },
        { content: 'The researcher ran out of budget.', usage: usage(10, 10) },
      ],
      { match: 'budget for moles' },
    );
    // The child's first call spends more than the 500 tokens the parent has left; it may make no second one.
    env.fake.script(
      [
        {
          content: [{ type: 'tool_use', id: 'toolu_sa_b2', name: 'researcher', input: { task: 'never' } }],
          usage: usage(600, 50),
        },
      ],
      { match: 'dig into moles' },
    );
    const workflowId = `subagents-budget-${Date.now()}`;
    const result = await env.run(
      {
        prompt: 'Use your budget for moles.',
        subagents: [{ ...researcher, subagents: [{ name: 'helper', description: 'Helps.' }] }],
        limits: { maxTotalTokens: 1000 },
      },
      workflowId,
    );

    const record = child(result, 'toolu_sa_b');
    assert.equal(record?.status, 'budget_exceeded');
    assert.equal(result.toolCalls[0]?.status, 'failed');
    assert.equal(result.toolCalls[0]?.error?.type, ToolErrorType.SubagentIncomplete);
    assert.match(
      String(result.toolCalls[0]?.error?.message),
      /ended budget_exceeded \(spent 650 tokens; the budget maxTotalTokens is 500\)/,
    );
    // The child ran one level down with its own sub-agent as a tool.
    const childTools = (served('dig into moles')[0]?.body as { tools: Array<{ name: string }> }).tools;
    assert.deepEqual(
      childTools.map((t) => t.name),
      ['helper'],
    );
    // The child's tokens count against the parent: 500 + 650 is over its 1000, so it stops before another call.
    assert.equal(result.status, 'budget_exceeded');
    assert.equal(result.iterations, 1);
    assert.equal(result.usage.inputTokens, 1000);
    assert.equal(served('budget for moles').length, 1);
  });

  it('cancelling the parent while a child runs ends the child cancelled too', async () => {
    env.fake.script(
      [
        {
          content: [
            { type: 'tool_use', id: 'toolu_sa_c', name: 'researcher', input: { task: 'slowly study bats' } },
          ],
          usage: usage(100, 10),
        },
      ],
      { match: 'cancel the bats' },
    );
    env.fake.script([{ content: 'Too late.', delayMs: 20_000 }], { match: 'slowly study bats' });
    const workflowId = `subagents-cancel-${Date.now()}`;
    const handle = await env.start(
      { prompt: 'We will cancel the bats.', subagents: [researcher] },
      workflowId,
    );
    await waitFor('the child model call', () => served('slowly study bats').length === 1);
    // While it runs, the parent's status names the child run.
    const progress = await getProgress(env.client, workflowId);
    assert.deepEqual(progress.toolsRunning, [`researcher → ${workflowId}/toolu_sa_c`]);
    await handle.signal(cancelSignal, { reason: 'enough bats' });
    const result = await awaitResult(handle);

    assert.equal(result.status, 'cancelled');
    assert.equal(result.reason, 'enough bats');
    assert.equal(child(result, 'toolu_sa_c')?.status, 'cancelled');
    assert.equal(result.toolCalls[0]?.status, 'cancelled');
    const childResult = (await env.client.workflow
      .getHandle(`${workflowId}/toolu_sa_c`)
      .result()) as AgentResult;
    assert.equal(childResult.status, 'cancelled');
    await waitFor(
      'the child HTTP request to be aborted',
      () => served('slowly study bats')[0]?.aborted === true,
    );
  });

  it('reports a child run that failed as an is_error result naming its error, and goes on', async () => {
    env.fake.script(
      [
        {
          content: [
            { type: 'tool_use', id: 'toolu_sa_f', name: 'pricey', input: { task: 'price the moon' } },
          ],
          usage: usage(100, 10),
        },
        { content: 'The sub-agent could not run.', usage: usage(100, 10) },
      ],
      { match: 'failing child' },
    );
    const workflowId = `subagents-failed-${Date.now()}`;
    const result = await env.run(
      {
        prompt: 'Try the failing child.',
        subagents: [
          { name: 'pricey', description: 'Runs on a model with no known price.', model: 'no-such-model' },
        ],
      },
      workflowId,
    );

    assert.equal(result.status, 'completed');
    const call = result.toolCalls[0];
    assert.equal(call?.status, 'failed');
    assert.equal(call?.error?.type, ToolErrorType.SubagentFailed);
    assert.match(String(call?.error?.message), /\(UnknownModelPrice\)/);
    assert.deepEqual(call?.child, {
      workflowId: `${workflowId}/toolu_sa_f`,
      status: 'failed',
      usage: { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
      costUsd: 0,
    });
    assert.equal(lastResults('failing child').get('toolu_sa_f')?.is_error, true);
  });

  it("counts what a failed child spent before it failed in the parent's usage", async () => {
    env.fake.script(
      [
        {
          content: [
            {
              type: 'tool_use',
              id: 'toolu_sa_spent',
              name: 'researcher',
              input: { task: 'facts about cut-off bats' },
            },
          ],
          usage: usage(100, 10),
        },
        { content: 'The researcher failed.', usage: usage(100, 10) },
      ],
      { match: 'spending child' },
    );
    // The child's reply is cut at max_tokens, which fails its run (MaxTokensReached) after it was paid for.
    env.fake.script([{ content: 'Bats are', stopReason: 'max_tokens', usage: usage(1000, 100) }], {
      match: 'facts about cut-off bats',
    });
    const workflowId = `subagents-spent-${Date.now()}`;
    const result = await env.run({ prompt: 'Ask the spending child.', subagents: [researcher] }, workflowId);

    const call = result.toolCalls[0];
    assert.equal(call?.error?.type, ToolErrorType.SubagentFailed);
    assert.match(String(call?.error?.message), /\(MaxTokensReached\)/);
    assert.equal(call?.child?.status, 'failed');
    assert.equal(call?.child?.usage.inputTokens, 1000);
    assert.equal(call?.child?.usage.outputTokens, 100);
    assert.ok((call?.child?.costUsd ?? 0) > 0, 'the failed child has a cost');
    assert.equal(result.usage.inputTokens, 100 + 100 + 1000, "the child's tokens are in the parent's usage");
    assert.equal(result.usage.outputTokens, 10 + 10 + 100);
  });

  it('a parent terminated while a child runs asks the child to cancel, so it ends cancelled, not killed', async () => {
    env.fake.script(
      [
        {
          content: [
            { type: 'tool_use', id: 'toolu_sa_t', name: 'researcher', input: { task: 'slowly count moths' } },
          ],
        },
      ],
      { match: 'terminate the moths' },
    );
    env.fake.script([{ content: 'Too late.', delayMs: 20_000 }], { match: 'slowly count moths' });
    const workflowId = `subagents-terminate-${Date.now()}`;
    const handle = await env.start(
      { prompt: 'We will terminate the moths.', subagents: [researcher] },
      workflowId,
    );
    await waitFor('the child model call', () => served('slowly count moths').length === 1);
    await handle.terminate('stopped by an operator');

    const childResult = (await env.client.workflow
      .getHandle(`${workflowId}/toolu_sa_t`)
      .result()) as AgentResult;
    assert.equal(childResult.status, 'cancelled');
  });
});
