// DurableAgentPlugin: the agent's activities, its model-call worker and (unless the worker has workflows of its
// own) its workflows, added to a Temporal worker that the user creates. createAgentWorker is this plugin on a
// worker configured from the environment.
import Anthropic from '@anthropic-ai/sdk';
import type { DataConverter } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { NativeConnection } from '@temporalio/worker';
import type { WorkerOptions, WorkerPlugin } from '@temporalio/worker';
import { createActivities } from './activities';
import { createRedact, secretsFromEnv } from './activities/redact';
import type { MessageStore } from './store';
import type { StuckCalls } from './activities/stuck-calls';
import type { AnyTool } from './activities/tools/define';
import { loadToolModules } from './activities/tools/load';
import { createToolRegistry } from './activities/tools/registry';
import { EncryptionCodec } from './codec/encryption';
import { dataConverterFromEnv } from './codec/keys';
import { mcpServersFromEnv } from './mcp/config';
import type { McpServers } from './mcp/config';
import { McpToolbox, withMcpTools } from './mcp/registry';
import { configFromEnv } from './config';
import type { AgentConfig } from './config';
import { modelTaskQueue, SEARCH_ATTRIBUTES } from './shared';
import { openWorkerStore } from './store';
import { tracingFromEnv, withTracing } from './tracing';
import type { Tracing } from './tracing';
import { refuseUnsharedStore, workerIdentity } from './store/check';
import { modelCallWorkerOptions, workerSettingsFromEnv } from './worker-settings';
import { openWorkerStreams } from './streams/worker-streams';
import type { StreamBackend } from './streams/backend';
import type { WorkerSettings } from './worker-settings';

/** How long a run's next workflow task waits on a dead worker's sticky queue unless the settings say otherwise. */
const STICKY_TIMEOUT_MS = 3_000;

/** Path of the workflow module with `agentRun`, bundled when the worker brings no workflows of its own. */
export const WORKFLOWS_PATH = require.resolve('./workflows');

/** What the plugin needs; everything not given comes from the environment, as for a worker. */
export interface DurableAgentPluginOptions {
  /** Tools given directly. */
  tools?: AnyTool[];
  /** Tool modules to load (default none; `createAgentWorker` passes DURABLE_AGENT_TOOLS). */
  toolModules?: string[];
  /** A ready Anthropic client; by default one from ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL. */
  anthropic?: Anthropic;
  /** The message store; by default a directory (DURABLE_AGENT_STORE_DIR). Sealed with the worker's codecs. */
  store?: MessageStore;
  /** Concurrency, the model-call rate limit and the tool settings; by default from the environment. */
  settings?: WorkerSettings;
  /** Register missing search attributes on the worker's namespace (default true). */
  registerSearchAttributes?: boolean;
  /**
   * Payload codecs, when the worker's options have none; by default `dataConverterFromEnv(process.env,
   * { worker: true })`: compression and encryption when a key is set, refusing payloads that are not encrypted.
   */
  dataConverter?: DataConverter;
  /** Where tool calls that ignore their abort signal are recorded (the health report reads it). */
  stuckCalls?: StuckCalls;
  /** MCP servers whose tools runs may name (`mcp__<server>__<tool>`); by default from DURABLE_AGENT_MCP. */
  mcpServers?: McpServers;
  /** Configuration read from the environment otherwise (store directory, API key, …). */
  config?: Partial<AgentConfig>;
  /** OpenTelemetry tracing; by default from the OTEL_* variables (off unless they name an exporter); false: off. */
  tracing?: Tracing | false;
  /** Where runs' live events go; by default the backend DURABLE_AGENT_STREAM names (closed with the worker). */
  streams?: StreamBackend;
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
 * A Temporal worker plugin that makes a worker run agents: it adds `callClaude` and the tool activities, runs a
 * second worker on the model-call task queue for as long as the worker runs, registers the search attributes,
 * and bundles `agentRun` when the worker has no workflows of its own (otherwise export `agentRun` from your
 * workflows module, or call `runAgent` in your own workflow; both come from `durable-agent/workflow`).
 */
export class DurableAgentPlugin implements WorkerPlugin {
  readonly name = 'durable-agent';
  private companion: Worker | undefined;
  private tracing: Tracing | undefined;
  private readonly mcp: McpToolbox | undefined;
  private ownStreams: StreamBackend | undefined;

  /** Reads the MCP configuration at once, so a malformed one stops the worker before it connects. */
  constructor(private readonly options: DurableAgentPluginOptions = {}) {
    const mcpServers = options.mcpServers ?? mcpServersFromEnv();
    this.mcp = Object.keys(mcpServers).length > 0 ? new McpToolbox(mcpServers) : undefined;
  }

  async configureWorker(worker: WorkerOptions): Promise<WorkerOptions> {
    const connection = worker.connection;
    if (!connection) {
      throw new Error(
        "DurableAgentPlugin needs the worker's connection: pass `connection: await NativeConnection.connect(...)` to Worker.create.",
      );
    }
    const namespace = worker.namespace ?? 'default';
    const dataConverter =
      worker.dataConverter ??
      this.options.dataConverter ??
      dataConverterFromEnv(process.env, { worker: true });
    const config = { ...configFromEnv(), ...this.options.config };
    // Content kept out of history is sealed with the codecs of history, whichever store keeps it; a directory
    // is probed and carries an ID, so workers of one task queue that do not share it are refused at start.
    const store = await openWorkerStore(
      this.options.store,
      config.storeDir,
      dataConverter?.payloadCodecs ?? [],
    );
    if (store.id)
      await refuseUnsharedStore(connection, namespace, worker.taskQueue, {
        id: store.id,
        where: store.where,
      });
    const identity = store.id && !worker.identity ? { identity: workerIdentity(store.id) } : {};
    const streams =
      this.options.streams ??
      (this.ownStreams = await openWorkerStreams(
        this.options.store,
        config.storeDir,
        dataConverter?.payloadCodecs ?? [],
      ));
    const activities = await this.activities(config, store.store, streams);
    const taken = Object.keys(activities).filter((name) => worker.activities && name in worker.activities);
    if (taken.length > 0) {
      throw new Error(
        `The worker already has activities named ${taken.join(', ')}, which DurableAgentPlugin adds. Rename yours.`,
      );
    }
    if (this.options.registerSearchAttributes !== false) await ensureSearchAttributes(connection, namespace);
    this.tracing = this.options.tracing === false ? undefined : (this.options.tracing ?? tracingFromEnv());
    // Prompts and tool contents never go into spans of a worker whose payloads are encrypted.
    const traced = {
      content: !dataConverter?.payloadCodecs?.some((codec) => codec instanceof EncryptionCodec),
    };
    // Model calls are scheduled on a task queue of their own, where the server holds all workers together to one
    // rate: maxTaskQueueActivitiesPerSecond applies to a whole queue, and tool calls must not share that budget.
    this.companion = await Worker.create(
      withTracing(
        {
          connection,
          namespace,
          taskQueue: modelTaskQueue(worker.taskQueue),
          activities: { callClaude: activities.callClaude, fitContext: activities.fitContext },
          ...identity,
          maxHeartbeatThrottleInterval: '1 second',
          ...modelCallWorkerOptions(this.settings()),
          ...(dataConverter ? { dataConverter } : {}),
        },
        this.tracing,
        { workflows: false, ...traced },
      ),
    );
    // A prebuilt bundle cannot be given interceptor modules here: it carries TRACING_WORKFLOW_INTERCEPTORS itself.
    const workflows = !worker.workflowBundle;
    return withTracing(this.configured(worker, activities, identity, dataConverter), this.tracing, {
      workflows,
      ...traced,
    });
  }

  private configured(
    worker: WorkerOptions,
    activities: Record<string, unknown>,
    identity: { identity?: string },
    dataConverter: DataConverter | undefined,
  ): WorkerOptions {
    return {
      ...worker,
      // callClaude stays registered here too, for runs that began before model calls had their own queue.
      activities: { ...worker.activities, ...activities },
      ...identity,
      // Heartbeats carry cancellation back to activities, so they are flushed at least every second: a
      // cancelled run stops its model call and tools within about a second.
      maxHeartbeatThrottleInterval: worker.maxHeartbeatThrottleInterval ?? '1 second',
      // When a worker dies, its runs' next workflow tasks wait this long on its sticky queue before any
      // worker may take them; the default (10 s) would dominate recovery time.
      stickyQueueScheduleToStartTimeout:
        worker.stickyQueueScheduleToStartTimeout ?? this.settings().stickyTimeoutMs ?? STICKY_TIMEOUT_MS,
      ...(dataConverter ? { dataConverter } : {}),
      ...(worker.workflowsPath || worker.workflowBundle ? {} : { workflowsPath: WORKFLOWS_PATH }),
    };
  }

  /**
   * Runs the model-call worker for exactly as long as the worker: if it fails, the worker stops too (its runs
   * would wait forever for model calls nobody takes) and the worker's `run()` rejects with its error.
   */
  async runWorker(worker: Worker, next: (w: Worker) => Promise<void>): Promise<void> {
    const companion = this.companion;
    if (!companion) return next(worker);
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
      // MCP connections are shared by the worker's calls and closed once it has stopped.
      await this.mcp?.close();
      // Spans still in the batch leave before the process may exit.
      await this.tracing?.flush();
      await this.ownStreams?.close();
    }
    if (failure) throw failure.error;
  }

  /** Lets go of the connection when the worker was never run (Worker.create failed after this plugin ran). */
  async dispose(): Promise<void> {
    await this.mcp?.close();
    await this.ownStreams?.close();
    const companion = this.companion;
    if (!companion || companion.getState() !== 'INITIALIZED') return;
    const running = companion.run();
    companion.shutdown();
    await running;
  }

  private settings(): WorkerSettings {
    return this.options.settings ?? workerSettingsFromEnv();
  }

  private async activities(config: AgentConfig, store: MessageStore, streams: StreamBackend) {
    const settings = this.settings();
    const loaded = await loadToolModules(this.options.toolModules ?? [], process.cwd(), {
      ...(settings.toolImportTimeoutMs !== undefined
        ? { importTimeoutMs: settings.toolImportTimeoutMs }
        : {}),
    });
    const ownTools = createToolRegistry([...loaded, ...(this.options.tools ?? [])], {
      ...(settings.toolIsolation !== undefined ? { isolation: settings.toolIsolation } : {}),
    });
    const registry = this.mcp ? withMcpTools(ownTools, this.mcp) : ownTools;
    const anthropic = this.options.anthropic ?? createAnthropicClient(config);
    return createActivities({
      anthropic,
      tools: registry,
      store,
      streams,
      // The client's key counts too: it may be given in code rather than in ANTHROPIC_API_KEY.
      redact: createRedact([
        ...secretsFromEnv(),
        ...(anthropic.apiKey ? [{ name: 'ANTHROPIC_API_KEY', value: anthropic.apiKey }] : []),
      ]),
      ...(this.options.stuckCalls ? { stuckCalls: this.options.stuckCalls } : {}),
      ...(settings.toolStopGraceMs !== undefined ? { toolStopGraceMs: settings.toolStopGraceMs } : {}),
      ...(settings.heartbeatTimeoutMs !== undefined
        ? { heartbeatTimeoutMs: settings.heartbeatTimeoutMs }
        : {}),
      modelCallLimits: {
        ...(settings.streamIdleTimeoutMs !== undefined
          ? { streamIdleTimeoutMs: settings.streamIdleTimeoutMs }
          : {}),
        ...(settings.maxRetryAfterMs !== undefined ? { maxRetryAfterMs: settings.maxRetryAfterMs } : {}),
      },
    });
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
