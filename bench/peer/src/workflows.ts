// The peer's agent loop, written the way @temporalio/ai-sdk's README and samples show it: the AI SDK's own
// generateText loop runs in the workflow, the model is temporalProvider's (each call an activity the plugin
// registers), and the tool's execute is an activity. Workflow code: only the sandbox-safe imports.
import { temporalProvider } from '@temporalio/ai-sdk/workflow';
import { proxyActivities } from '@temporalio/workflow';
import { generateText, stepCountIs, tool } from 'ai';
import { z } from 'zod';
import type * as activities from './activities';
import type { PeerInput, PeerResult } from './contract';

// The same timeout durable-agent's bench_step declares (bench/tools.ts), and Temporal's default retry policy,
// as the samples leave it. No heartbeat timeout: the samples set none, and a tool run through generateText has
// no way to heartbeat from the workflow side.
const { benchStep } = proxyActivities<typeof activities>({ startToCloseTimeout: '60 seconds' });

/** One agent run: the AI SDK's tool loop until the model answers without tool calls. */
export async function peerAgent(input: PeerInput): Promise<PeerResult> {
  const result = await generateText({
    model: temporalProvider.languageModel(input.model),
    prompt: input.prompt,
    maxOutputTokens: input.maxTokens,
    tools: {
      bench_step: tool({
        description: 'Do step n of a benchmark job. Use it for every step the job asks for.',
        inputSchema: z.object({
          n: z.number().int(),
          ms: z.number().int().min(0).max(60_000),
          bytes: z.number().int().min(1).max(1_000_000).optional(),
        }),
        execute: ({ n, ms, bytes }, { toolCallId }) =>
          benchStep({ n, ms, ...(bytes === undefined ? {} : { bytes }), toolCallId }),
      }),
    },
    stopWhen: stepCountIs(input.maxSteps),
  });
  return {
    text: result.text,
    steps: result.steps.length,
    toolCalls: result.steps.reduce((sum, step) => sum + step.toolCalls.length, 0),
  };
}
