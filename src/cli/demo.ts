import type Anthropic from '@anthropic-ai/sdk';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { awaitResult, connectClient, startRun, webUiLink } from '../client';
import { configFromEnv } from '../config';
import { withoutModelQueueNotice } from '../observability';
import { startFakeClaude } from '../testing';
import { createAgentWorker, createAnthropicClient } from '../worker';
import { DEMO_PROMPT, demoScript } from './demo-script';
import { startLocalServer } from './dev';
import { ExitCode } from './exit-codes';
import { Interrupted, listenForInterrupt } from './interrupt';
import { formatResult } from './output';
import { watchProgress } from './progress';
import { statusLine } from './status-line';

/** Options of `durable-agent demo`. */
interface DemoOptions {
  prompt?: string;
  /** Database file of the dev server (default: the one `durable-agent dev` uses). */
  dbFile?: string;
  /** Keep the server (and its Web UI) up after the run until Ctrl-C; default true unless CI is set. */
  wait: boolean;
}

/**
 * One command, end to end: dev server, worker, a run; prints the answer and the run's Web UI link. Ctrl-C at
 * any point stops what was started, newest first (worker before server, so no connection is cut under it).
 */
export async function demo(options: DemoOptions): Promise<number> {
  const say = (line: string) => console.log(line);
  // The demo decides when the worker stops; the SDK's own signal handling would race it.
  Runtime.install({ logger: withoutModelQueueNotice(new DefaultLogger('WARN')), shutdownSignals: [] });
  const interrupt = listenForInterrupt();
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    return await steps(options, say, interrupt.guard, cleanups, interrupt.signal);
  } catch (err) {
    if (err instanceof Interrupted) return ExitCode.Interrupted;
    throw err;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    interrupt.dispose();
  }
}

async function steps(
  options: DemoOptions,
  say: (line: string) => void,
  guard: <T>(step: Promise<T>) => Promise<T>,
  cleanups: Array<() => Promise<unknown>>,
  interrupted: Promise<NodeJS.Signals>,
): Promise<number> {
  say('Starting a Temporal dev server...');
  const building = statusLine(process.stdout);
  const starting = startLocalServer({
    log: (line) => {
      building.clear();
      say(line);
    },
    progress: building.show,
    ...(options.dbFile ? { dbFile: options.dbFile } : {}),
  });
  // A server still starting when Ctrl-C comes is stopped as soon as it is up (and killed at exit regardless).
  cleanups.push(() => starting.then((server) => server.stop()));
  const server = await guard(starting).finally(building.clear);
  say(`Temporal server at ${server.address}, Web UI at ${server.uiUrl}`);

  const config = configFromEnv();
  let anthropic: Anthropic;
  if (config.anthropicApiKey) {
    anthropic = createAnthropicClient(config);
    say('Talking to Claude with ANTHROPIC_API_KEY.');
  } else {
    const fake = await guard(startFakeClaude());
    cleanups.push(() => fake.close());
    fake.script(demoScript());
    anthropic = createAnthropicClient({ anthropicApiKey: 'demo', anthropicBaseUrl: fake.url });
    say(
      `Notice: ANTHROPIC_API_KEY is not set, so this demo talks to the bundled fake Claude at ${fake.url}, which plays scripted replies. Set ANTHROPIC_API_KEY to use Claude.`,
    );
  }

  const connection = await guard(NativeConnection.connect({ address: server.address }));
  cleanups.push(() => connection.close());
  say(
    'Starting a worker with the example tools (get_order_status, find_orders_by_email, send_customer_email)...',
  );
  const worker = await guard(
    createAgentWorker({
      connection,
      anthropic,
      config: { address: server.address, namespace: server.namespace, taskQueue: config.taskQueue },
    }),
  );
  const running = worker.run();
  cleanups.push(() => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    return running;
  });
  const client = await guard(connectClient({ address: server.address, namespace: server.namespace }));
  cleanups.push(() => client.connection.close());

  const prompt = options.prompt ?? DEMO_PROMPT;
  say(`\n> ${prompt}\n`);
  const { handle, workflowId } = await guard(startRun(client, { prompt }, { taskQueue: config.taskQueue }));
  const stopWatching = watchProgress(client, workflowId, (line) => say(`  ${line}`));
  const result = await guard(awaitResult(handle)).finally(stopWatching);
  const { runId } = await guard(handle.describe());
  const link = webUiLink(server.uiUrl ?? '', server.namespace, workflowId, runId);
  say(`\n${formatResult(result, link)}`);
  if (options.wait) {
    say('\nThe dev server keeps running so you can open the link. Press Ctrl-C to stop.');
    await interrupted;
    say('Stopping the worker and the dev server...');
  }
  return result.status === 'completed' ? ExitCode.Ok : ExitCode.NotCompleted;
}
