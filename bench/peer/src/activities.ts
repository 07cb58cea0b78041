// The peer's tool as a Temporal activity: the same work as durable-agent's bench_step (bench/tools.ts), waits
// `ms` and returns `bytes` of text. Every attempt is logged to EXECUTION_LOG in the format of the durable
// workers' execution log (test/helpers/worker-process.ts), so the bench times both from the same kind of record.
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { PEER_TOOL } from './contract';

/** Input of one bench_step call, plus the AI SDK's tool call id (for the log). */
export interface BenchStepCall {
  n: number;
  ms: number;
  bytes?: number;
  toolCallId: string;
}

function log(entry: Record<string, unknown>): void {
  // appendFileSync so the line is on disk before a SIGKILL can come.
  if (process.env.EXECUTION_LOG)
    appendFileSync(
      process.env.EXECUTION_LOG,
      `${JSON.stringify({ pid: process.pid, at: Date.now(), tool: PEER_TOOL, ...entry })}\n`,
    );
}

/** Step n of a benchmark job: waits `ms`, then returns `bytes` bytes of text (a short line by default). */
export async function benchStep({ n, ms, bytes, toolCallId }: BenchStepCall): Promise<string> {
  const { info, cancellationSignal } = Context.current();
  const common = { toolUseId: toolCallId, attempt: info.attempt };
  log({
    event: 'start',
    ...common,
    // Optional since standalone activities (1.23); a workflow always has one here.
    idempotencyKey: `${info.workflowExecution?.workflowId ?? 'standalone'}/${toolCallId}`,
    input: { n, ms, ...(bytes === undefined ? {} : { bytes }) },
  });
  if (ms > 0) await sleep(ms, undefined, { signal: cancellationSignal });
  log({ event: 'end', ...common });
  const line = `step ${n} done. `;
  return bytes === undefined ? line : line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes);
}
