// A real Temporal dev server, the fake Claude over real HTTP and an in-process worker, for integration tests.
import { randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { Worker, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { awaitResult, connectClient, startRun } from '../../src/client';
import type { RunHandle } from '../../src/client';
import type { AnyTool } from '../../src/activities/tools/define';
import { startDevServer } from '../../src/dev-server';
import type { DevServer } from '../../src/dev-server';
import type { AgentInput, AgentResult } from '../../src/shared';
import { startFakeClaude } from '../../src/testing';
import type { FakeClaude } from '../../src/testing';
import { createAgentWorker, WORKFLOWS_PATH } from '../../src/worker';
import type { AgentWorkerOptions } from '../../src/worker';
import type { WorkerSettings } from '../../src/worker-settings';
import type { StuckCalls } from '../../src/activities/stuck-calls';

// Keep the worker's own INFO logs out of the test output; warnings and errors still show.
Runtime.install({ logger: new DefaultLogger('ERROR') });

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

/** The workflow bundle, built once per test process and failure converter (encrypting workers bundle theirs). */
export function workflowBundle(failureConverterPath?: string): Promise<WorkflowBundleWithSourceMap> {
  const key = failureConverterPath ?? '';
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle = bundleWorkflowCode({
      workflowsPath: WORKFLOWS_PATH,
      logger: new DefaultLogger('WARN'),
      ...(failureConverterPath ? { failureConverterPath } : {}),
    });
    bundles.set(key, bundle);
  }
  return bundle;
}

/** Everything an integration test talks to. */
export interface TestEnv {
  server: DevServer;
  fake: FakeClaude;
  client: Client;
  taskQueue: string;
  /** Starts a worker with these tools (and options: a store, MCP servers) on the env's task queue; stopped by `close`. */
  startWorker(tools: AnyTool[], options?: Pick<AgentWorkerOptions, 'store' | 'mcpServers'>): Promise<Worker>;
  /** Starts a run and waits for its result. */
  run(input: AgentInput, workflowId?: string): Promise<AgentResult>;
  /** Starts a run and returns its handle. */
  start(input: AgentInput, workflowId?: string): Promise<RunHandle>;
  close(): Promise<void>;
}

/** Options of `startTestEnv`. */
export interface TestEnvOptions {
  /** Payload codecs for the client and every worker (default: from the environment, as in production). */
  dataConverter?: DataConverter;
  /** Settings of every worker (default: from the environment). */
  settings?: WorkerSettings;
  /** Where every worker records tool calls that ignore their abort signal. */
  stuckCalls?: StuckCalls;
}

/** Starts a dev server, the fake Claude and a client; workers are started by the test. */
export async function startTestEnv(options: TestEnvOptions = {}): Promise<TestEnv> {
  const [server, fake] = await Promise.all([startDevServer({ ui: false }), startFakeClaude()]);
  const codec = options.dataConverter ? { dataConverter: options.dataConverter } : {};
  const client = await connectClient({ address: server.address, namespace: server.namespace }, codec);
  const taskQueue = `test-${randomUUID()}`;
  const workers: Array<{ worker: Worker; running: Promise<void>; connection: NativeConnection }> = [];

  const env: TestEnv = {
    server,
    fake,
    client,
    taskQueue,
    async startWorker(tools, workerOptions = {}) {
      const connection = await NativeConnection.connect({ address: server.address });
      const worker = await createAgentWorker({
        connection,
        config: { namespace: server.namespace, taskQueue, toolModules: [] },
        tools,
        anthropic: new Anthropic({ apiKey: 'test-key', baseURL: fake.url, maxRetries: 0 }),
        workflowBundle: await workflowBundle(options.dataConverter?.failureConverterPath),
        ...codec,
        ...(options.settings ? { settings: options.settings } : {}),
        ...(options.stuckCalls ? { stuckCalls: options.stuckCalls } : {}),
        ...workerOptions,
      }).catch(async (err: unknown) => {
        await connection.close();
        throw err;
      });
      workers.push({ worker, running: worker.run(), connection });
      return worker;
    },
    async start(input, workflowId) {
      const started = await startRun(client, input, { taskQueue, ...(workflowId ? { workflowId } : {}) });
      return started.handle;
    },
    async run(input, workflowId) {
      return awaitResult(await env.start(input, workflowId));
    },
    async close() {
      for (const { worker } of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await Promise.allSettled(workers.map((w) => w.running));
      await Promise.allSettled(workers.map((w) => w.connection.close()));
      await client.connection.close();
      await fake.close();
      await server.stop();
    },
  };
  return env;
}

/**
 * Registers the hooks of a file's tests: a test env (with one worker running `tools`, unless null) before
 * them, closed after them. The returned object forwards to that env once it has started.
 */
export function useTestEnv(tools: AnyTool[] | null, options: TestEnvOptions = {}): TestEnv {
  let current: TestEnv | undefined;
  before(async () => {
    current = await startTestEnv(options);
    if (tools) await current.startWorker(tools);
  });
  after(async () => {
    await current?.close();
  });
  const env = (): TestEnv => {
    if (!current) throw new Error('the test env starts in a before() hook; use it inside tests');
    return current;
  };
  return {
    get server() {
      return env().server;
    },
    get fake() {
      return env().fake;
    },
    get client() {
      return env().client;
    },
    get taskQueue() {
      return env().taskQueue;
    },
    startWorker: (more, workerOptions) => env().startWorker(more, workerOptions),
    run: (input, workflowId) => env().run(input, workflowId),
    start: (input, workflowId) => env().start(input, workflowId),
    close: () => env().close(),
  };
}
