import Anthropic from '@anthropic-ai/sdk';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { WorkerPlugin, WorkflowBundleOption } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { createActivities } from './activities';
import type { AnyTool } from './activities/tools/define';
import { loadToolModules } from './activities/tools/load';
import { createRedact, secretsFromEnv } from './activities/redact';
import { LocalDiskStore } from './activities/store/message-store';
import { StuckCalls } from './activities/stuck-calls';
import type { MessageStore } from './activities/store/message-store';
import { createToolRegistry } from './activities/tools/registry';
import { mcpServersFromEnv } from './mcp/config';
import type { McpServers } from './mcp/config';
import { closeWithWorker, McpToolbox, withMcpTools } from './mcp/registry';
import { dataConverterFromEnv } from './codec/keys';
import { configFromEnv } from './config';
import { installRuntime, observabilityFromEnv } from './observability';
import { sealedStore } from './store';
import type { AgentConfig } from './config';
import { describeConnection, temporalConnectionFromEnv, workerConnectionOptions } from './connection';
import { modelTaskQueue, SEARCH_ATTRIBUTES } from './shared';
import {
  describeWorkerSettings,
  mainWorkerOptions,
  modelCallWorkerOptions,
  reportHealth,
  WORKER_ENV,
  workerSettingsFromEnv,
} from './worker-settings';
import type { WorkerSettings } from './worker-settings';

/** Path of the workflow module the worker bundles. */
export const WORKFLOWS_PATH = require.resolve('./workflows');

/** Options of an agent worker; everything not given comes from the environment. */
export interface AgentWorkerOptions {
  /** An open connection to reuse; otherwise one is opened to `config.address`. */
  connection?: NativeConnection;
  config?: Partial<AgentConfig>;
  /** Tools given directly, in addition to the tool modules of the configuration. */
  tools?: AnyTool[];
  /** A ready Anthropic client (tests pass one pointed at the fake). */
  anthropic?: Anthropic;
  /**
   * A prebuilt workflow bundle, so processes that start many workers bundle once. Build it with the data
   * converter's `failureConverterPath`, or failures raised by workflow code reach history unencrypted.
   */
  workflowBundle?: WorkflowBundleOption;
  /** Register missing search attributes (default true). */
  registerSearchAttributes?: boolean;
  /** Payload codecs; by default `dataConverterFromEnv()` (compression and encryption when a key is set). */
  dataConverter?: DataConverter;
  /**
   * Where message content kept out of history lives; by default a directory (`config.storeDir`). A raw store
   * (LocalDiskStore, DriverStore) is sealed with the data converter's codecs.
   */
  store?: MessageStore;
  /** Concurrency and the model-call rate limit; by default `workerSettingsFromEnv()`. */
  settings?: WorkerSettings;
  /** Where tool calls that ignore their abort signal are recorded (the health report reads it). */
  stuckCalls?: StuckCalls;
  /** MCP servers whose tools runs may name (`mcp__<server>__<tool>`); by default from DURABLE_AGENT_MCP. */
  mcpServers?: McpServers;
}

/** Builds the Anthropic client: the SDK's own retries off, since Temporal's retry policy is the only retry layer. */
export function createAnthropicClient(
  config: Pick<AgentConfig, 'anthropicApiKey' | 'anthropicBaseUrl'>,
): Anthropic {
  if (!config.anthropicApiKey) {
    throw new Error(
      'ANTHROPIC_API_KEY is not set. Set it to talk to Claude, or set ANTHROPIC_BASE_URL to a Messages-API-compatible server ' +
        'and ANTHROPIC_API_KEY to the key it expects (`npx durable-agent demo` starts the bundled fake for you).',
    );
  }
  return new Anthropic({
    apiKey: config.anthropicApiKey,
    maxRetries: 0,
    timeout: 10 * 60 * 1000,
    ...(config.anthropicBaseUrl ? { baseURL: config.anthropicBaseUrl } : {}),
  });
}

/**
 * Creates a worker that runs `agentRun`, `callClaude` and the tool activities. It brings along a second worker
 * that serves the model-call task queue (`modelTaskQueue`), started and stopped with it by `run()` and
 * `shutdown()`.
 */
export async function createAgentWorker(options: AgentWorkerOptions = {}): Promise<Worker> {
  const config = { ...configFromEnv(), ...options.config };
  const settings = options.settings ?? workerSettingsFromEnv();
  const loaded = await loadToolModules(config.toolModules, process.cwd(), {
    ...(settings.toolImportTimeoutMs !== undefined ? { importTimeoutMs: settings.toolImportTimeoutMs } : {}),
  });
  const tools = [...loaded, ...(options.tools ?? [])];
  const ownTools = createToolRegistry(tools, {
    ...(settings.toolIsolation !== undefined ? { isolation: settings.toolIsolation } : {}),
  });
  const mcpServers = options.mcpServers ?? mcpServersFromEnv();
  const mcp = Object.keys(mcpServers).length > 0 ? new McpToolbox(mcpServers) : undefined;
  const registry = mcp ? withMcpTools(ownTools, mcp) : ownTools;
  const anthropic = options.anthropic ?? createAnthropicClient(config);
  const dataConverter = options.dataConverter ?? dataConverterFromEnv();
  const connection = options.connection ?? (await connectWorker(config.address));
  if (options.registerSearchAttributes !== false) await ensureSearchAttributes(connection, config.namespace);
  const activities = createActivities({
    anthropic,
    tools: registry,
    // Content kept out of history is sealed with the codecs of history, whichever store keeps it.
    store: sealedStore(
      options.store ?? new LocalDiskStore(config.storeDir),
      dataConverter?.payloadCodecs ?? [],
    ),
    // The client's key counts too: it may be given in code rather than in ANTHROPIC_API_KEY.
    redact: createRedact([
      ...secretsFromEnv(),
      ...(anthropic.apiKey ? [{ name: 'ANTHROPIC_API_KEY', value: anthropic.apiKey }] : []),
    ]),
    ...(options.stuckCalls ? { stuckCalls: options.stuckCalls } : {}),
    ...(settings.toolStopGraceMs !== undefined ? { toolStopGraceMs: settings.toolStopGraceMs } : {}),
    modelCallLimits: {
      ...(settings.streamIdleTimeoutMs !== undefined
        ? { streamIdleTimeoutMs: settings.streamIdleTimeoutMs }
        : {}),
      ...(settings.maxRetryAfterMs !== undefined ? { maxRetryAfterMs: settings.maxRetryAfterMs } : {}),
    },
  });
  // Model calls are scheduled on a task queue of their own, where the server holds all workers together to one
  // rate: maxTaskQueueActivitiesPerSecond applies to a whole queue, and tool calls must not share that budget.
  const modelCalls = await Worker.create({
    connection,
    namespace: config.namespace,
    taskQueue: modelTaskQueue(config.taskQueue),
    activities: { callClaude: activities.callClaude },
    maxHeartbeatThrottleInterval: '1 second',
    ...modelCallWorkerOptions(settings),
    ...(dataConverter ? { dataConverter } : {}),
  });
  try {
    return await Worker.create({
      connection,
      namespace: config.namespace,
      taskQueue: config.taskQueue,
      // callClaude stays registered here too, for runs that began before model calls had their own queue.
      activities,
      // Heartbeats carry cancellation back to activities, so they are flushed at least every second: a
      // cancelled run stops its model call and tools within about a second.
      maxHeartbeatThrottleInterval: '1 second',
      // When a worker dies, its runs' next workflow tasks wait this long on its sticky queue before any
      // worker may take them; the default (10 s) would dominate recovery time.
      stickyQueueScheduleToStartTimeout: '3 seconds',
      ...mainWorkerOptions(settings),
      plugins: [runAlongside(modelCalls), ...(mcp ? [closeWithWorker(mcp)] : [])],
      ...(dataConverter ? { dataConverter } : {}),
      ...(options.workflowBundle
        ? { workflowBundle: options.workflowBundle }
        : { workflowsPath: WORKFLOWS_PATH }),
    });
  } catch (err) {
    // A worker that never ran keeps its hold on the connection; run and stop it so the connection can close.
    const running = modelCalls.run();
    modelCalls.shutdown();
    await running;
    throw err;
  }
}

/**
 * A plugin that runs `companion` for exactly as long as the worker it is given to: started by that worker's
 * `run()`, stopped when it stops. If the companion fails, the worker stops too (its runs would wait forever for
 * model calls nobody takes) and its `run()` rejects with the companion's error.
 */
function runAlongside(companion: Worker): WorkerPlugin {
  return {
    name: 'durable-agent-model-calls',
    async runWorker(worker, next) {
      let failure: { error: unknown } | undefined;
      const companionDone = companion.run().catch((error: unknown) => {
        failure = { error };
        if (worker.getState() === 'RUNNING') worker.shutdown();
      });
      try {
        await next(worker);
      } finally {
        if (companion.getState() === 'RUNNING') companion.shutdown();
        await companionDone;
      }
      if (failure) throw failure.error;
    },
  };
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

/**
 * Registers the project's search attributes where they are missing. Runs publish them every turn, and a
 * workflow task that sets an unregistered attribute fails, so a worker without them must not start.
 */
export async function ensureSearchAttributes(connection: NativeConnection, namespace: string): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = { ...existing.customAttributes, ...existing.systemAttributes };
  const missing = SEARCH_ATTRIBUTES.filter((attr) => !(attr.name in known));
  if (missing.length === 0) return;
  const types = { Keyword: 2, Int: 3, Double: 4 } as const; // temporal.api.enums.v1.IndexedValueType
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((attr) => [attr.name, types[attr.cliType]])),
    });
  } catch (err) {
    const command = missing
      .map(
        (attr) =>
          `temporal operator search-attribute create --namespace ${namespace} --name ${attr.name} --type ${attr.cliType}`,
      )
      .join('\n  ');
    throw new Error(
      `The search attributes ${missing.map((a) => a.name).join(', ')} are missing in namespace "${namespace}" and could not be registered (${(err as Error).message}). Register them, then start the worker again:\n  ${command}`,
    );
  }
}

/** Runs a worker from the environment until SIGINT or SIGTERM. */
export async function runWorkerFromEnv(): Promise<void> {
  const observability = await installRuntime(observabilityFromEnv());
  const config = configFromEnv();
  const settings = workerSettingsFromEnv();
  const connection = await connectWorker(config.address);
  const stuckCalls = new StuckCalls();
  const worker = await createAgentWorker({ config, connection, settings, stuckCalls });
  Runtime.instance().logger.info('durable-agent worker polling', {
    taskQueue: config.taskQueue,
    modelTaskQueue: modelTaskQueue(config.taskQueue),
    server: describeConnection(temporalConnectionFromEnv({ address: config.address })),
    toolModules: config.toolModules,
    settings: describeWorkerSettings(settings),
    metrics: observability.metricsAddress ? `http://${observability.metricsAddress}/metrics` : 'off',
  });
  // Container health checks read this file's age: it stays fresh while the worker runs and the server answers.
  const healthFile = process.env[WORKER_ENV.healthFile]?.trim();
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
