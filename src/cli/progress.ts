import type { Client } from '@temporalio/client';
import { getProgress } from '../client';
import { toolCallTotal } from '../shared';
import type { ModelCallWait, RunProgress } from '../shared';

const POLL_MS = 500;
const WAITING = 'waiting for a worker to pick up the run (is `durable-agent worker` running?)';

/**
 * Shows a run's progress (turn, tools running and done, tokens, cost, elapsed) until the returned function
 * is called. On a terminal (`live`) it is one line rewritten in place; otherwise `print` gets a line per change.
 */
export function watchProgress(
  client: Client,
  workflowId: string,
  print: (line: string) => void,
  live?: NodeJS.WriteStream,
): () => void {
  const started = Date.now();
  let text: string | undefined;
  let printed: string | undefined;
  let stopped = false;
  const render = () => {
    const elapsed = `${((Date.now() - started) / 1000).toFixed(1)}s`;
    if (live) {
      // Cut to the terminal's width: a wrapped line cannot be rewritten with \r.
      const line = `  ${elapsed}  ${text ?? WAITING}`;
      live.write(`\r\x1b[2K${line.slice(0, (live.columns || 80) - 1)}`);
    } else if (text !== undefined && text !== printed) {
      print(`${elapsed}  ${text}`);
      printed = text;
    }
  };
  const tick = async () => {
    try {
      text = describe(await getProgress(client, workflowId));
    } catch {
      // The run may not have had its first workflow task yet; the next poll will tell.
    }
    if (stopped) return;
    render();
    timer = setTimeout(() => void tick(), POLL_MS);
  };
  let timer = setTimeout(() => void tick(), POLL_MS);
  return () => {
    stopped = true;
    clearTimeout(timer);
    // The result printed next has the final numbers; a stale progress line would only contradict it.
    live?.write('\r\x1b[2K');
  };
}

function describe(p: RunProgress): string {
  const done = toolCallTotal(p);
  const parts = [`turn ${p.iterations}`];
  if (p.toolsRunning.length > 0) parts.push(`running ${p.toolsRunning.join(', ')}`);
  if (p.approvalsWaiting.length > 0)
    parts.push(`waiting for approval: ${p.approvalsWaiting.map((a) => a.name).join(', ')}`);
  if (p.modelCallWaiting) parts.push(modelCallWaitText(p.modelCallWaiting));
  parts.push(`${done} tool call${done === 1 ? '' : 's'} done`);
  const tokens =
    p.usage.inputTokens +
    p.usage.outputTokens +
    p.usage.cacheReadInputTokens +
    p.usage.cacheCreationInputTokens;
  parts.push(`${tokens} tokens`, `$${p.costUsd.toFixed(4)}`);
  return parts.join(' · ');
}

/** A model call waiting to be retried, for people: `model call waits until 14:03:22 (ClaudeRateLimited)`. */
export function modelCallWaitText(wait: ModelCallWait): string {
  return `model call waits until ${wait.until.slice(11, 19)} UTC (${wait.errorType}, attempt ${wait.attempt} next)`;
}
