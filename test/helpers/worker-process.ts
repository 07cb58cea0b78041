// A worker in its own process, so tests can kill it with SIGKILL. Configured by environment:
//   TEMPORAL_ADDRESS, DURABLE_AGENT_TASK_QUEUE, ANTHROPIC_BASE_URL   where to connect
//   WORKFLOW_BUNDLE      file with the prebuilt workflow bundle (bundling in every child would be slow)
//   EXECUTION_LOG        JSONL file: one line when each tool attempt starts and when it ends
//   CRASH_AFTER_TOOL     name of a tool after whose first attempt this process kills itself (SIGKILL),
//                        after the tool's side effect and before the activity reports completion
//   DURABLE_AGENT_TOOLS  extra tool modules, as for any worker
// Prints "worker ready" once it polls.
import { appendFileSync, readFileSync } from 'node:fs';
import Anthropic from '@anthropic-ai/sdk';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { AnyTool } from '../../src/activities/tools/define';
import { loadToolModules, toolModulePaths } from '../../src/activities/tools/load';
import { createAgentWorker } from '../../src/worker';
import { chainTools } from './chain-tools';

Runtime.install({ logger: new DefaultLogger('ERROR') });

function log(entry: Record<string, unknown>): void {
  // appendFileSync so the line is on disk before a SIGKILL can come.
  if (process.env.EXECUTION_LOG)
    appendFileSync(
      process.env.EXECUTION_LOG,
      `${JSON.stringify({ pid: process.pid, at: Date.now(), ...entry })}\n`,
    );
}

/** Wraps a tool so each attempt is logged, and the process can die right after a side effect. */
function instrument(tool: AnyTool): AnyTool {
  return {
    ...tool,
    async run(input, ctx) {
      log({
        event: 'start',
        tool: tool.name,
        toolUseId: ctx.toolUseId,
        attempt: ctx.attempt,
        idempotencyKey: ctx.idempotencyKey,
        input,
      });
      const output: unknown = await tool.run(input, ctx);
      log({ event: 'end', tool: tool.name, toolUseId: ctx.toolUseId, attempt: ctx.attempt });
      if (process.env.CRASH_AFTER_TOOL === tool.name && ctx.attempt === 1)
        process.kill(process.pid, 'SIGKILL');
      return output;
    },
    ...(tool.reconcile
      ? {
          async reconcile(key: string, ctx: { signal: AbortSignal }) {
            const answer = await tool.reconcile!(key, ctx);
            log({ event: 'reconcile', tool: tool.name, idempotencyKey: key, happened: answer.happened });
            return answer;
          },
        }
      : {}),
  };
}

async function main(): Promise<void> {
  const address = process.env.TEMPORAL_ADDRESS as string;
  const tools = [
    ...chainTools,
    ...(await loadToolModules(toolModulePaths(process.env.DURABLE_AGENT_TOOLS))),
    // An isolated tool runs in a child process that loads its module, so a wrapper here would never run.
  ].map((tool) => (tool.isolation === 'process' ? tool : instrument(tool)));
  const connection = await NativeConnection.connect({ address });
  const worker = await createAgentWorker({
    connection,
    config: { address, toolModules: [] },
    tools,
    anthropic: new Anthropic({
      apiKey: 'test-key',
      baseURL: process.env.ANTHROPIC_BASE_URL as string,
      maxRetries: 0,
    }),
    workflowBundle: { code: readFileSync(process.env.WORKFLOW_BUNDLE as string, 'utf8') },
  });
  const running = worker.run();
  console.log('worker ready');
  await running;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
