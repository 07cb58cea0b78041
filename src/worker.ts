// The worker process: createAgentWorker (a Temporal worker with DurableAgentPlugin, configured from the
// environment) and runWorkerFromEnv, which `npm run worker` and `durable-agent worker` run.
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { WorkflowBundleOption } from '@temporalio/worker';
import { StuckCalls } from './activities/stuck-calls';
import { codecDataConverter, codecsOf } from './codec/keys';
import { configFromEnv, configOf } from './config';
import { describeConnection, temporalConnectionFromEnv, workerConnectionOptions } from './connection';
import { mcpServersOf } from './mcp/config';
import { installRuntime, observabilityOf } from './observability';
import { DurableAgentPlugin, WORKFLOWS_PATH } from './plugin';
import type { DurableAgentPluginOptions } from './plugin';
import { resolveSettings } from './settings';
import { modelTaskQueue } from './shared';
import {
  describeWorkerSettings,
  mainWorkerOptions,
  reportHealth,
  workerSettingsFromEnv,
  workerSettingsOf,
} from './worker-settings';

export { createAnthropicClient, DurableAgentPlugin, ensureSearchAttributes, WORKFLOWS_PATH } from './plugin';
export type { DurableAgentPluginOptions } from './plugin';

/** Options of an agent worker; everything not given comes from the environment. */
export interface AgentWorkerOptions extends Omit<DurableAgentPluginOptions, 'toolModules'> {
  /** An open connection to reuse; otherwise one is opened to `config.address`. */
  connection?: NativeConnection;
  /**
   * A prebuilt workflow bundle, so processes that start many workers bundle once. Build it with the data
   * converter's `failureConverterPath`, or failures raised by workflow code reach history unencrypted.
   */
  workflowBundle?: WorkflowBundleOption;
}

/**
 * Creates a worker that runs `agentRun`, `callClaude` and the tool activities of DURABLE_AGENT_TOOLS (plus
 * `tools`): a Temporal worker with DurableAgentPlugin, whose model-call worker starts and stops with it.
 */
export async function createAgentWorker(options: AgentWorkerOptions = {}): Promise<Worker> {
  const config = { ...configFromEnv(), ...options.config };
  const settings = options.settings ?? workerSettingsFromEnv();
  const { connection: given, workflowBundle, ...pluginOptions } = options;
  const plugin = new DurableAgentPlugin({
    ...pluginOptions,
    config,
    settings,
    toolModules: config.toolModules,
  });
  const connection = given ?? (await connectWorker(config.address));
  try {
    return await Worker.create({
      connection,
      namespace: config.namespace,
      taskQueue: config.taskQueue,
      ...mainWorkerOptions(settings),
      plugins: [plugin],
      ...(workflowBundle ? { workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    });
  } catch (err) {
    await plugin.dispose();
    throw err;
  }
}

/**
 * Opens a worker connection with the TLS, API key and headers of the environment (src/connection.ts), with an
 * error that says what to do when no server answers.
 */
export async function connectWorker(address?: string): Promise<NativeConnection> {
  const settings = temporalConnectionFromEnv(address === undefined ? {} : { address });
  try {
    return await NativeConnection.connect(workerConnectionOptions(settings));
  } catch (err) {
    throw new Error(
      `Cannot reach the Temporal server at ${describeConnection(settings)} (${(err as Error).message}). Start one with \`npx durable-agent dev\`, or set TEMPORAL_ADDRESS.`,
    );
  }
}

/** Runs a worker from the environment until SIGINT or SIGTERM. */
export async function runWorkerFromEnv(): Promise<void> {
  // Every variable is checked here, once, so a worker with several bad values names them all before it starts.
  const resolved = resolveSettings(process.env);
  const observability = await installRuntime(observabilityOf(resolved));
  const config = configOf(resolved);
  const settings = workerSettingsOf(resolved);
  const codecs = codecsOf(resolved, { worker: true });
  const mcpServers = mcpServersOf(resolved);
  const connection = await connectWorker(config.address);
  const stuckCalls = new StuckCalls();
  // A worker that refuses to start (its store cannot be written, say) must not keep the process alive.
  const worker = await createAgentWorker({
    config,
    connection,
    settings,
    stuckCalls,
    mcpServers,
    ...(codecs.length > 0 ? { dataConverter: codecDataConverter(codecs) } : {}),
  }).catch(async (err: unknown) => {
    await connection.close();
    throw err;
  });
  Runtime.instance().logger.info('durable-agent worker polling', {
    taskQueue: config.taskQueue,
    modelTaskQueue: modelTaskQueue(config.taskQueue),
    server: describeConnection(temporalConnectionFromEnv({ address: config.address })),
    toolModules: config.toolModules,
    settings: describeWorkerSettings(settings),
    metrics: observability.metricsAddress ? `http://${observability.metricsAddress}/metrics` : 'off',
  });
  // Container health checks read this file's age: it stays fresh while the worker runs and the server answers.
  const healthFile = resolved.DURABLE_AGENT_HEALTH_FILE;
  const stopReporting = healthFile
    ? reportHealth(healthFile, async () => {
        if (worker.getState() !== 'RUNNING') return false;
        // A tool that ignores its abort signal may hold memory and connections; let the orchestrator replace
        // the worker (the error log line names the tool).
        if (stuckCalls.list().length > 0) return false;
        await connection.withDeadline(Date.now() + 5_000, () => connection.workflowService.getSystemInfo({}));
        return true;
      })
    : () => Promise.resolve();
  try {
    await worker.run();
  } finally {
    await stopReporting();
    await connection.close();
  }
}

if (require.main === module) {
  runWorkerFromEnv().catch((err: unknown) => {
    console.error(`durable-agent worker: ${(err as Error).message}`);
    process.exit(1);
  });
}
