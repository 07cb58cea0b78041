// The baseline every durable figure is compared with: the tool-use loop people write without durability.
// A plain loop over the Anthropic SDK that keeps the transcript in memory and calls the tool functions
// directly. It sends the same requests as the durable runtime (same tools, tool_choice, max_tokens, streamed
// like the callClaude activity, no prompt caching) so that timing differences are the orchestration alone.
import type Anthropic from '@anthropic-ai/sdk';
import type { AnyTool } from '../../src/activities/tools/define';
import { createToolRegistry } from '../../src/activities/tools/registry';

/** What one in-process run needs. */
export interface InProcessRun {
  anthropic: Anthropic;
  tools: AnyTool[];
  prompt: string;
  model: string;
  maxTokens: number;
  /** Aborting it is how a benchmark "crashes" the loop: the run is lost, as with a killed process. */
  signal?: AbortSignal;
}

/** How the loop ended. */
export interface InProcessResult {
  text: string;
  iterations: number;
  inputTokens: number;
  outputTokens: number;
}

/** Runs the loop until the model answers without tool calls. */
export async function runInProcessLoop(run: InProcessRun): Promise<InProcessResult> {
  const registry = createToolRegistry(run.tools);
  const tools: Anthropic.Tool[] = registry.specs().map((spec) => ({
    name: spec.name,
    description: spec.description,
    input_schema: spec.inputSchema as Anthropic.Tool.InputSchema,
  }));
  const signal = run.signal ?? new AbortController().signal;
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: run.prompt }];
  const result: InProcessResult = { text: '', iterations: 0, inputTokens: 0, outputTokens: 0 };
  for (;;) {
    const message = await run.anthropic.messages
      .stream(
        { model: run.model, max_tokens: run.maxTokens, messages, tools, tool_choice: { type: 'auto' } },
        { signal },
      )
      .finalMessage();
    result.iterations += 1;
    result.inputTokens += message.usage.input_tokens;
    result.outputTokens += message.usage.output_tokens;
    messages.push({ role: 'assistant', content: message.content });
    const calls = message.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    if (message.stop_reason !== 'tool_use' || calls.length === 0) {
      result.text = message.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
      return result;
    }
    const results = await Promise.all(
      calls.map(async (call): Promise<Anthropic.ToolResultBlockParam> => {
        const tool = registry.get(call.name);
        if (!tool) throw new Error(`the model asked for an unknown tool "${call.name}"`);
        const output: unknown = await tool.run(tool.input.parse(call.input), {
          idempotencyKey: `in-process/${call.id}`,
          signal,
          heartbeat: () => undefined,
          attempt: 1,
          workflowId: 'in-process',
          toolUseId: call.id,
        });
        const content = typeof output === 'string' ? output : JSON.stringify(output);
        return { type: 'tool_result', tool_use_id: call.id, content };
      }),
    );
    messages.push({ role: 'user', content: results });
  }
}
