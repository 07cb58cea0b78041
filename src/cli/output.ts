import { toolCallTotal, ZERO_USAGE } from '../shared';
import type { AgentResult, ToolCallRecord } from '../shared';

/** Where the Web UI of the server lives: TEMPORAL_UI_URL, else the dev server's default. */
export function uiBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.TEMPORAL_UI_URL || 'http://localhost:8233';
}

/** A run's result as a person reads it: the answer, then status, tools, tokens and cost. */
export function formatResult(result: AgentResult, link?: string): string {
  const lines = [result.text.trim() || '(no text in the final answer)', ''];
  lines.push(`status      ${result.status}${result.reason ? ` (${result.reason})` : ''}`);
  lines.push(`turns       ${result.iterations}`);
  if (result.toolCalls.length > 0) {
    const earlier = toolCallTotal(result) - result.toolCalls.length;
    const shown = result.toolCalls.map(formatToolCall);
    lines.push(`tool calls  ${earlier > 0 ? `${earlier} earlier, then ` : ''}${shown.join(', ')}`);
  }
  lines.push(...formatChildRuns(result.toolCalls));
  const u = result.usage;
  lines.push(
    `tokens      ${u.inputTokens} in, ${u.outputTokens} out, ${u.cacheReadInputTokens} cache read, ${u.cacheCreationInputTokens} cache write`,
  );
  lines.push(`cost        $${result.costUsd.toFixed(4)}`);
  if (link) lines.push(`web ui      ${link}`);
  return lines.join('\n');
}

function formatToolCall(call: ToolCallRecord): string {
  return call.status === 'succeeded' ? call.name : `${call.name} (${call.status})`;
}

/** One line per sub-agent call: the child run's ID, how it ended, and what it spent (part of the run's totals). */
export function formatChildRuns(calls: readonly ToolCallRecord[]): string[] {
  return calls.flatMap(({ name, child }) => {
    if (!child) return [];
    const u = child.usage ?? ZERO_USAGE;
    const tokens = u.inputTokens + u.outputTokens + u.cacheReadInputTokens + u.cacheCreationInputTokens;
    return [
      `sub-agent   ${name} · ${child.workflowId} · ${child.status} · ${tokens} tokens · $${child.costUsd.toFixed(4)}`,
    ];
  });
}
