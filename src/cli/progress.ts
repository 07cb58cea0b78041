import type { Client } from '@temporalio/client';
import { getProgress } from '../client';
import type { RunProgress } from '../shared';

const POLL_MS = 500;

/** Prints a line whenever a run's progress changes (turn, tools running, tokens); returns a stop function. */
export function watchProgress(client: Client, workflowId: string, print: (line: string) => void): () => void {
  const started = Date.now();
  let last = '';
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    try {
      const line = describe(await getProgress(client, workflowId));
      if (line !== last && !stopped) print(`${((Date.now() - started) / 1000).toFixed(1)}s  ${line}`);
      last = line;
    } catch {
      // The run may not have had its first workflow task yet; the next poll will tell.
    }
    if (!stopped) timer = setTimeout(() => void tick(), POLL_MS);
  };
  let timer = setTimeout(() => void tick(), POLL_MS);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

function describe(p: RunProgress): string {
  const done = p.toolCalls.length;
  const parts = [`turn ${p.iterations}`];
  if (p.toolsRunning.length > 0) parts.push(`running ${p.toolsRunning.join(', ')}`);
  if (p.approvalsWaiting.length > 0)
    parts.push(`waiting for approval: ${p.approvalsWaiting.map((a) => a.name).join(', ')}`);
  parts.push(`${done} tool call${done === 1 ? '' : 's'} done`);
  const tokens =
    p.usage.inputTokens +
    p.usage.outputTokens +
    p.usage.cacheReadInputTokens +
    p.usage.cacheCreationInputTokens;
  parts.push(`${tokens} tokens`, `$${p.costUsd.toFixed(4)}`);
  return parts.join(' · ');
}
