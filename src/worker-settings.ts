// How much one worker process takes on at once, and how fast the whole task queue may call the model, from the
// environment. Concurrency is per process (each worker polls for as much as it has free slots); the model-call
// rate is per task queue, enforced by the Temporal server over every worker polling it.
import { writeFile } from 'node:fs/promises';
import type { WorkerOptions } from '@temporalio/worker';
import type { ToolIsolation } from './activities/tools/define';
import { resolveSettings } from './settings';
import type { Settings } from './settings';

/** Environment variables that size a worker and pace its model calls. */
const WORKER_ENV = {
  maxConcurrentActivities: 'DURABLE_AGENT_MAX_CONCURRENT_ACTIVITIES',
  maxConcurrentModelCalls: 'DURABLE_AGENT_MAX_CONCURRENT_MODEL_CALLS',
  maxConcurrentWorkflowTasks: 'DURABLE_AGENT_MAX_CONCURRENT_WORKFLOW_TASKS',
  maxCachedWorkflows: 'DURABLE_AGENT_MAX_CACHED_WORKFLOWS',
  modelCallsPerSecond: 'DURABLE_AGENT_MODEL_CALLS_PER_SECOND',
  healthFile: 'DURABLE_AGENT_HEALTH_FILE',
  toolImportTimeoutSeconds: 'DURABLE_AGENT_TOOL_IMPORT_TIMEOUT_SECONDS',
  streamIdleTimeoutSeconds: 'DURABLE_AGENT_STREAM_IDLE_TIMEOUT_SECONDS',
  maxRetryAfterSeconds: 'DURABLE_AGENT_MAX_RETRY_AFTER_SECONDS',
  toolStopGraceSeconds: 'DURABLE_AGENT_TOOL_STOP_GRACE_SECONDS',
  toolIsolation: 'DURABLE_AGENT_TOOL_ISOLATION',
  heartbeatTimeoutSeconds: 'DURABLE_AGENT_HEARTBEAT_TIMEOUT_SECONDS',
  stickyTimeoutSeconds: 'DURABLE_AGENT_STICKY_TIMEOUT_SECONDS',
} as const;

/** Worker sizing; anything not set keeps the Temporal SDK's default. */
export interface WorkerSettings {
  /** Tool calls (and the run's bookkeeping activities) one process runs at once. */
  maxConcurrentActivities?: number;
  /** Model calls one process runs at once. */
  maxConcurrentModelCalls?: number;
  /** Workflow tasks one process works on at once. */
  maxConcurrentWorkflowTasks?: number;
  /** Runs one process keeps in memory between their turns (the others are replayed from history when they wake). */
  maxCachedWorkflows?: number;
  /** Model calls per second started over the whole task queue, all workers together. */
  modelCallsPerSecond?: number;
  /** How long loading one tool module may take before the worker refuses to start. */
  toolImportTimeoutMs?: number;
  /** How long a model-call stream may go without a content event before it is aborted and retried. */
  streamIdleTimeoutMs?: number;
  /** The longest `retry-after` of the API that is obeyed; longer waits are cut to this. */
  maxRetryAfterMs?: number;
  /** How long a tool may go on after it was stopped (cancelled, timed out) before its slot is freed. */
  toolStopGraceMs?: number;
  /** Where tools without an `isolation` of their own run: 'process' gives each call a child process. */
  toolIsolation?: ToolIsolation;
  /** How long an activity may go without a heartbeat before it is retried elsewhere; pinned into each run's plan. */
  heartbeatTimeoutMs?: number;
  /** How long a run's next workflow task waits for the worker that ran its last one before any worker may take it. */
  stickyTimeoutMs?: number;
}

const WORKER_NAMES = Object.values(WORKER_ENV);

/** Reads the settings; an empty variable counts as unset, a malformed one throws an Error that names it. */
export function workerSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  return workerSettingsOf(resolveSettings(env, WORKER_NAMES));
}

/** The worker settings among the resolved settings; anything not set is left out. */
export function workerSettingsOf(settings: Settings): WorkerSettings {
  const values: { [K in keyof WorkerSettings]-?: WorkerSettings[K] | undefined } = {
    maxConcurrentActivities: settings.DURABLE_AGENT_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentModelCalls: settings.DURABLE_AGENT_MAX_CONCURRENT_MODEL_CALLS,
    maxConcurrentWorkflowTasks: settings.DURABLE_AGENT_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxCachedWorkflows: settings.DURABLE_AGENT_MAX_CACHED_WORKFLOWS,
    modelCallsPerSecond: settings.DURABLE_AGENT_MODEL_CALLS_PER_SECOND,
    toolImportTimeoutMs: settings.DURABLE_AGENT_TOOL_IMPORT_TIMEOUT_SECONDS,
    streamIdleTimeoutMs: settings.DURABLE_AGENT_STREAM_IDLE_TIMEOUT_SECONDS,
    maxRetryAfterMs: settings.DURABLE_AGENT_MAX_RETRY_AFTER_SECONDS,
    toolStopGraceMs: settings.DURABLE_AGENT_TOOL_STOP_GRACE_SECONDS,
    toolIsolation: settings.DURABLE_AGENT_TOOL_ISOLATION,
    heartbeatTimeoutMs: settings.DURABLE_AGENT_HEARTBEAT_TIMEOUT_SECONDS,
    stickyTimeoutMs: settings.DURABLE_AGENT_STICKY_TIMEOUT_SECONDS,
  };
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined),
  ) as WorkerSettings;
}

/** Worker.create options of the worker that runs workflows and tools. */
export function mainWorkerOptions(
  settings: WorkerSettings,
): Pick<
  WorkerOptions,
  'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'maxCachedWorkflows'
> {
  return {
    ...(settings.maxConcurrentActivities !== undefined
      ? { maxConcurrentActivityTaskExecutions: settings.maxConcurrentActivities }
      : {}),
    ...(settings.maxConcurrentWorkflowTasks !== undefined
      ? { maxConcurrentWorkflowTaskExecutions: settings.maxConcurrentWorkflowTasks }
      : {}),
    ...(settings.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: settings.maxCachedWorkflows } : {}),
  };
}

/** Worker.create options of the worker that runs model calls on their own task queue. */
export function modelCallWorkerOptions(
  settings: WorkerSettings,
): Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'maxTaskQueueActivitiesPerSecond'> {
  return {
    ...(settings.maxConcurrentModelCalls !== undefined
      ? { maxConcurrentActivityTaskExecutions: settings.maxConcurrentModelCalls }
      : {}),
    // Sent with every poll and enforced by the server for the whole queue; the last poller's value wins, so
    // every worker of a task queue must be given the same one.
    ...(settings.modelCallsPerSecond !== undefined
      ? { maxTaskQueueActivitiesPerSecond: settings.modelCallsPerSecond }
      : {}),
  };
}

/** The settings as one line for the worker's start-up log. */
export function describeWorkerSettings(settings: WorkerSettings): string {
  const parts = [
    settings.modelCallsPerSecond !== undefined
      ? `at most ${settings.modelCallsPerSecond} model calls per second over the task queue`
      : 'no model-call rate limit',
  ];
  if (settings.maxConcurrentModelCalls !== undefined)
    parts.push(`${settings.maxConcurrentModelCalls} model calls at once`);
  if (settings.maxConcurrentActivities !== undefined)
    parts.push(`${settings.maxConcurrentActivities} tool calls at once`);
  if (settings.maxConcurrentWorkflowTasks !== undefined)
    parts.push(`${settings.maxConcurrentWorkflowTasks} workflow tasks at once`);
  if (settings.maxCachedWorkflows !== undefined) parts.push(`${settings.maxCachedWorkflows} cached runs`);
  if (settings.toolImportTimeoutMs !== undefined)
    parts.push(`tool modules load within ${settings.toolImportTimeoutMs / 1000}s`);
  if (settings.streamIdleTimeoutMs !== undefined)
    parts.push(`model streams idle at most ${settings.streamIdleTimeoutMs / 1000}s`);
  if (settings.maxRetryAfterMs !== undefined)
    parts.push(`retry-after capped at ${settings.maxRetryAfterMs / 1000}s`);
  if (settings.heartbeatTimeoutMs !== undefined)
    parts.push(`heartbeat timeout ${settings.heartbeatTimeoutMs / 1000}s`);
  if (settings.stickyTimeoutMs !== undefined)
    parts.push(`sticky timeout ${settings.stickyTimeoutMs / 1000}s`);
  if (settings.toolIsolation === 'process') parts.push('each tool call in a process of its own');
  return parts.join(', ');
}

/**
 * Touches `file` every `everyMs` while `isHealthy()` holds, for container health checks that cannot ask the
 * process itself. A stale file means the worker stopped, the server stopped answering, or the event loop hangs.
 * Returns a function that stops the reports and resolves once no report is in flight.
 */
export function reportHealth(
  file: string,
  isHealthy: () => Promise<boolean>,
  everyMs = 10_000,
): () => Promise<void> {
  let stopped = false;
  let pending: Promise<void> = Promise.resolve();
  const beat = async () => {
    if (await isHealthy().catch(() => false)) {
      if (!stopped) await writeFile(file, `${new Date().toISOString()}\n`).catch(() => undefined);
    }
  };
  const tick = () => {
    pending = beat();
  };
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  // Resolves once a beat in flight has finished, so nothing writes the file after the caller goes on.
  return async () => {
    stopped = true;
    clearInterval(timer);
    await pending;
  };
}
