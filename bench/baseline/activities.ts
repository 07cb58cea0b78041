// Activities of the baseline workflows: a no-op (the cheapest thing Temporal can run), a pause that stands in
// for a model or tool call of known length, and the two calls of a loop that sends the whole transcript as
// every model call's input.
import { setTimeout as sleep } from 'node:timers/promises';
import type Anthropic from '@anthropic-ai/sdk';
import type { AnyTool } from '../../src/activities/tools/define';
import { createToolRegistry } from '../../src/activities/tools/registry';
import type { ContentBlock, MessageParam, StopReason } from '../../src/shared';

/** Input of the full-transcript model call: the whole conversation, every time. */
export interface FullTranscriptCall {
  model: string;
  maxTokens: number;
  messages: MessageParam[];
}

/** What the full-transcript model call returns: the reply itself. */
export interface FullTranscriptReply {
  content: ContentBlock[];
  stopReason: StopReason | null;
}

/** Builds the baseline activities. */
export function createBaselineActivities(deps: { anthropic: Anthropic; tools: AnyTool[] }) {
  const registry = createToolRegistry(deps.tools);
  const tools: Anthropic.Tool[] = registry.specs().map((spec) => ({
    name: spec.name,
    description: spec.description,
    input_schema: spec.inputSchema as Anthropic.Tool.InputSchema,
  }));
  return {
    /** Does nothing; returns when it ran, so the workflow can time round trips between activities. */
    async noop(): Promise<number> {
      return Date.now();
    },
    /** Waits `ms` (a model call or tool without the call); returns when it started. */
    async pause(ms: number): Promise<number> {
      const startedAt = Date.now();
      await sleep(ms);
      return startedAt;
    },
    /** One model call with the whole transcript as input (the design DESIGN.md, "History size", rejects). */
    async callModelFull(call: FullTranscriptCall): Promise<FullTranscriptReply> {
      const message = await deps.anthropic.messages
        .stream({
          model: call.model,
          max_tokens: call.maxTokens,
          messages: call.messages as Anthropic.MessageParam[],
          tools,
          tool_choice: { type: 'auto' },
        })
        .finalMessage();
      return { content: message.content as ContentBlock[], stopReason: message.stop_reason as StopReason };
    },
    /** Runs one tool and returns its text. */
    async runToolFull(call: { id: string; name: string; input: unknown }): Promise<string> {
      const tool = registry.get(call.name);
      if (!tool) throw new Error(`unknown tool "${call.name}"`);
      const output: unknown = await tool.run(tool.input.parse(call.input), {
        idempotencyKey: call.id,
        signal: new AbortController().signal,
        heartbeat: () => undefined,
        attempt: 1,
        workflowId: 'full-transcript',
        toolUseId: call.id,
      });
      return typeof output === 'string' ? output : JSON.stringify(output);
    },
  };
}

/** The baseline activity functions, for typing workflow proxies. */
export type BaselineActivities = ReturnType<typeof createBaselineActivities>;
