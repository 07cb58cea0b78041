// Baseline workflows, bundled apart from agentRun. Workflow code: only @temporalio/workflow and type imports.
import { proxyActivities } from '@temporalio/workflow';
import type { ContentBlock, MessageParam, ToolResultBlock, ToolUseBlock } from '../../src/shared';
import type { BaselineActivities } from './activities';

const { noop, pause } = proxyActivities<BaselineActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3 },
});

const { callModelFull, runToolFull } = proxyActivities<BaselineActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { maximumAttempts: 5 },
});

/**
 * Calls the no-op activity `count` times, one after another; returns when each ran. The gap between two
 * consecutive no-ops is one full activity round trip, the least any Temporal-based loop pays per call.
 */
export async function bareChain(count: number): Promise<number[]> {
  const ranAt: number[] = [];
  for (let i = 0; i < count; i++) ranAt.push(await noop());
  return ranAt;
}

/**
 * The least a Temporal-based agent step can cost: two activities in a row that only wait as long as the model
 * call and the tool call take, with no HTTP, no message store and no tools. Returns when each step started.
 */
export async function bareSteps(steps: number, modelMs: number, toolMs: number): Promise<number[]> {
  const startedAt: number[] = [];
  for (let i = 0; i < steps; i++) {
    startedAt.push(await pause(modelMs));
    await pause(toolMs);
  }
  return startedAt;
}

/** A durable loop that keeps the transcript in the workflow and sends all of it with every model call. */
export async function fullTranscriptRun(input: {
  prompt: string;
  model: string;
  maxTokens: number;
  maxIterations: number;
}): Promise<{ iterations: number }> {
  const messages: MessageParam[] = [{ role: 'user', content: input.prompt }];
  for (let iteration = 1; iteration <= input.maxIterations; iteration++) {
    const reply = await callModelFull({ model: input.model, maxTokens: input.maxTokens, messages });
    messages.push({ role: 'assistant', content: reply.content });
    const calls = reply.content.filter((b: ContentBlock): b is ToolUseBlock => b.type === 'tool_use');
    if (reply.stopReason !== 'tool_use' || calls.length === 0) return { iterations: iteration };
    const results = await Promise.all(
      calls.map(async (call): Promise<ToolResultBlock> => ({
        type: 'tool_result',
        tool_use_id: call.id,
        content: await runToolFull({ id: call.id, name: call.name, input: call.input }),
      })),
    );
    messages.push({ role: 'user', content: results });
  }
  return { iterations: input.maxIterations };
}

/**
 * The least a Temporal-based fan-out turn can cost: one activity that waits as long as the model call, then
 * `count` activities at once that wait `toolMs` each. Returns when the turn started and when it ended.
 */
export async function bareFanOut(modelMs: number, count: number, toolMs: number): Promise<number[]> {
  const startedAt = await pause(modelMs);
  await Promise.all(Array.from({ length: count }, () => pause(toolMs)));
  return [startedAt, await noop()];
}
