import type Anthropic from '@anthropic-ai/sdk';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { awaitResult, connectClient, startRun, webUiLink } from '../client';
import { configFromEnv } from '../config';
import { startFakeClaude } from '../testing';
import type { FakeClaude } from '../testing';
import { createAgentWorker, createAnthropicClient } from '../worker';
import { DEMO_PROMPT, demoScript } from './demo-script';
import { startLocalServer, untilSignal } from './dev';
import { ExitCode } from './exit-codes';
import { formatResult } from './output';
import { watchProgress } from './progress';

/** Options of `durable-agent demo`. */
export interface DemoOptions {
  prompt?: string;
  /** Database file of the dev server (default: the one `durable-agent dev` uses). */
  dbFile?: string;
  /** Keep the server (and its Web UI) up after the run until Ctrl-C; default true unless CI is set. */
  wait: boolean;
}

/** One command, end to end: dev server, worker, a run; prints the answer and the run's Web UI link. */
export async function demo(options: DemoOptions): Promise<number> {
  const say = (line: string) => console.log(line);
  Runtime.install({ logger: new DefaultLogger('WARN') });

  say('Starting a Temporal dev server (the first time, the Temporal CLI is built with Go: a few minutes)...');
  const server = await startLocalServer({ log: say, ...(options.dbFile ? { dbFile: options.dbFile } : {}) });
  say(`Temporal server at ${server.address}, Web UI at ${server.uiUrl}`);

  const config = configFromEnv();
  let fake: FakeClaude | undefined;
  let anthropic: Anthropic;
  if (config.anthropicApiKey) {
    anthropic = createAnthropicClient(config);
    say('Talking to Claude with ANTHROPIC_API_KEY.');
  } else {
    fake = await startFakeClaude();
    fake.script(demoScript());
    anthropic = createAnthropicClient({ anthropicApiKey: 'demo', anthropicBaseUrl: fake.url });
    say(
      `Notice: ANTHROPIC_API_KEY is not set, so this demo talks to the bundled fake Claude at ${fake.url}, which plays scripted replies. Set ANTHROPIC_API_KEY to use Claude.`,
    );
  }

  const connection = await NativeConnection.connect({ address: server.address });
  say(
    'Starting a worker with the example tools (get_order_status, find_orders_by_email, send_customer_email)...',
  );
  const worker = await createAgentWorker({
    connection,
    anthropic,
    config: { address: server.address, namespace: server.namespace, taskQueue: config.taskQueue },
  });
  const running = worker.run();
  const client = await connectClient({ address: server.address, namespace: server.namespace });
  try {
    const prompt = options.prompt ?? DEMO_PROMPT;
    say(`\n> ${prompt}\n`);
    const { handle, workflowId } = await startRun(client, { prompt }, { taskQueue: config.taskQueue });
    const stopWatching = watchProgress(client, workflowId, (line) => say(`  ${line}`));
    const result = await awaitResult(handle).finally(stopWatching);
    const { runId } = await handle.describe();
    const link = webUiLink(server.uiUrl ?? '', server.namespace, workflowId, runId);
    say(`\n${formatResult(result, link)}`);
    if (options.wait) {
      say('\nThe dev server keeps running so you can open the link. Press Ctrl-C to stop.');
      await untilSignal();
    }
    return result.status === 'completed' ? ExitCode.Ok : ExitCode.NotCompleted;
  } finally {
    worker.shutdown();
    await running;
    await client.connection.close();
    await connection.close();
    await fake?.close();
    await server.stop();
  }
}
