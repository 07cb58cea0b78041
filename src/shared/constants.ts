/** Task queue the worker polls unless DURABLE_AGENT_TASK_QUEUE says otherwise. */
export const DEFAULT_TASK_QUEUE = 'durable-agent';

/** Workflow type name of one agent run; the `temporal` CLI and users' scripts start it by this name. */
export const WORKFLOW_TYPE = 'agentRun';

/** Model used when a run does not name one. */
export const DEFAULT_MODEL = 'claude-sonnet-4-6';

/** Version of the official Temporal CLI that the project builds when none is installed. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

/**
 * Task queue of the model calls of runs on `taskQueue`. Model calls have a queue of their own so that the
 * Temporal server can hold every worker to one rate (DURABLE_AGENT_MODEL_CALLS_PER_SECOND); workflow code and
 * workers both derive it from here.
 */
export function modelTaskQueue(taskQueue: string): string {
  return `${taskQueue}-model`;
}
