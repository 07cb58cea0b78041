// One Temporal dev server, one fake Claude and one client for the whole bench; each scenario starts its own
// workers on its own task queue. Workflow code is bundled once per bundle and handed to every worker.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Anthropic from '@anthropic-ai/sdk';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { awaitResult, connectClient, startRun } from '../src/client';
import { findOrInstallTemporalCli, startDevServer } from '../src/dev-server';
import type { DevServer } from '../src/dev-server';
import type { AgentInput, AgentResult } from '../src/shared';
import { startFakeClaude } from '../src/testing';
import type { FakeClaude } from '../src/testing';
import { createAgentWorker, createAnthropicClient } from '../src/worker';
import type { StreamBackend } from '../src/streams/backend';
// The test helpers' bundle (built once per process) is the agent bundle; importing them also installs the
// Temporal runtime with an ERROR-level logger, so worker logs stay out of the bench output.
import { startChildWorker, writeBundle } from '../test/helpers/child-worker';
import type { ChildWorker } from '../test/helpers/child-worker';
import { workflowBundle } from '../test/helpers/env';
import { createBaselineActivities } from './baseline/activities';
import { benchStep, benchStepLocal } from './tools';

/** Model every benchmark run names; the fake answers for any. */
export const MODEL = 'claude-sonnet-4-6';
/** max_tokens of every request (the runtime's default). */
export const MAX_TOKENS = 8192;
/** Budgets no benchmark run should reach. */
export const UNLIMITED = { maxTotalTokens: 1_000_000_000_000, maxCostUsd: 1_000_000_000 };

/** A worker running in this process. */
export interface RunningWorker {
  worker: Worker;
  /** Shuts the worker down and waits for it. */
  stop(): Promise<void>;
}

/** What every scenario gets. */
export interface BenchEnv {
  server: DevServer;
  /** Path of the `temporal` binary the server runs. */
  cliPath: string;
  fake: FakeClaude;
  /** The client every run is started with, from src/client.ts. */
  client: Client;
  /** A client that can receive history pages larger than gRPC's default 4 MiB (full-transcript histories). */
  historyClient: Client;
  /** A scratch directory, removed by `close`. */
  dir: string;
  /** An Anthropic client pointed at the fake, configured as the worker configures its own. */
  anthropic(): Anthropic;
  /** A durable-agent worker in this process, with the bench tool, on `taskQueue` (streaming to `streams` if given). */
  startAgentWorker(taskQueue: string, streams?: StreamBackend): Promise<RunningWorker>;
  /** The message store directory of the in-process workers. */
  storeDir: string;
  /** A worker of the baseline workflows (bare no-op chain, full-transcript loop) on `taskQueue`. */
  startBaselineWorker(taskQueue: string): Promise<RunningWorker>;
  /** A durable-agent worker in its own process (it can be SIGKILLed), logging tool attempts to `executionLog`. */
  startChildWorker(taskQueue: string, executionLog: string): Promise<ChildWorker>;
  /** Starts an agent run on `taskQueue`; returns its handle. */
  startRun(taskQueue: string, input: AgentInput, workflowId: string): ReturnType<typeof startRun>;
  /** Starts an agent run and waits for its result. */
  run(taskQueue: string, input: AgentInput, workflowId: string): Promise<AgentResult>;
  close(): Promise<void>;
}

/** Starts the dev server, the fake Claude and the client, and builds both workflow bundles. */
export async function startBenchEnv(log: (line: string) => void): Promise<BenchEnv> {
  const cli = await findOrInstallTemporalCli({ log });
  const [server, fake, agentBundle, baselineBundle, dir] = await Promise.all([
    startDevServer({ cli: cli.path, ui: false, log }),
    startFakeClaude(),
    workflowBundle(),
    bundleWorkflowCode({
      workflowsPath: require.resolve('./baseline/workflows'),
      logger: new DefaultLogger('WARN'),
    }),
    mkdtemp(path.join(os.tmpdir(), 'durable-agent-bench-')),
  ]);
  const client = await connectClient({ address: server.address, namespace: server.namespace });
  const historyClient = new Client({
    namespace: server.namespace,
    connection: await Connection.connect({
      address: server.address,
      channelArgs: { 'grpc.max_receive_message_length': 256 * 1024 * 1024 },
    }),
  });
  const storeDir = path.join(dir, 'messages');
  const bundleFile = await writeBundle(dir);
  const workers = new Set<RunningWorker>();
  const children = new Set<ChildWorker>();
  const anthropic = () => createAnthropicClient({ anthropicApiKey: 'bench', anthropicBaseUrl: fake.url });

  async function track(create: (connection: NativeConnection) => Promise<Worker>): Promise<RunningWorker> {
    const connection = await NativeConnection.connect({ address: server.address });
    const worker = await create(connection);
    const running = worker.run();
    const handle: RunningWorker = {
      worker,
      async stop() {
        workers.delete(handle);
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
        await connection.close();
      },
    };
    workers.add(handle);
    return handle;
  }

  const env: BenchEnv = {
    server,
    cliPath: cli.path,
    fake,
    client,
    historyClient,
    dir,
    anthropic,
    storeDir,
    startAgentWorker: (taskQueue, streams) =>
      track((connection) =>
        createAgentWorker({
          connection,
          config: { namespace: server.namespace, taskQueue, toolModules: [], storeDir },
          tools: [benchStep, benchStepLocal],
          anthropic: anthropic(),
          workflowBundle: agentBundle,
          ...(streams ? { streams } : {}),
        }),
      ),
    startBaselineWorker: (taskQueue) =>
      track((connection) =>
        Worker.create({
          connection,
          namespace: server.namespace,
          taskQueue,
          workflowBundle: baselineBundle as WorkflowBundleWithSourceMap,
          activities: createBaselineActivities({ anthropic: anthropic(), tools: [benchStep] }),
        }),
      ),
    async startChildWorker(taskQueue, executionLog) {
      const child = await startChildWorker({
        TEMPORAL_ADDRESS: server.address,
        DURABLE_AGENT_TASK_QUEUE: taskQueue,
        ANTHROPIC_BASE_URL: fake.url,
        WORKFLOW_BUNDLE: bundleFile,
        EXECUTION_LOG: executionLog,
        DURABLE_AGENT_TOOLS: path.join(__dirname, 'tools.ts'),
        DURABLE_AGENT_STORE_DIR: storeDir,
      });
      children.add(child);
      child.process.once('exit', () => children.delete(child));
      return child;
    },
    startRun: (taskQueue, input, workflowId) => startRun(client, input, { taskQueue, workflowId }),
    async run(taskQueue, input, workflowId) {
      return awaitResult((await env.startRun(taskQueue, input, workflowId)).handle);
    },
    async close() {
      await Promise.allSettled([...children].map((c) => c.kill()));
      await Promise.allSettled([...workers].map((w) => w.stop()));
      await client.connection.close();
      await historyClient.connection.close();
      await fake.close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return env;
}
