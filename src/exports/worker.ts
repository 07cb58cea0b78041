// `durable-agent/worker`: runs the agent's workflows and activities in a Temporal worker, and everything that
// worker is built from (tools, stores, codecs, configuration).
export {
  createAgentWorker,
  createAnthropicClient,
  ensureSearchAttributes,
  runWorkerFromEnv,
  WORKFLOWS_PATH,
} from '../worker';
export type { AgentWorkerOptions } from '../worker';
export { DurableAgentPlugin } from '../plugin';
export { TRACING_WORKFLOW_INTERCEPTORS, replaySafeSinks, tracingFromEnv } from '../tracing';
export type { Tracing } from '../tracing';
export type { DurableAgentPluginOptions } from '../plugin';
export { createActivities } from '../activities';
export type { Activities, ActivityDeps } from '../activities';
export { createToolRegistry, describeTool } from '../activities/tools/registry';
export type { ToolRegistry } from '../activities/tools/registry';
export { ToolSchemaError, toInputSchema } from '../activities/tools/schema';
export { loadToolModules, ToolModuleError } from '../activities/tools/load';
export { DriverStore, LocalDiskStore, MissingContentError } from '../store';
export type { MessageStore } from '../store';
export { configFromEnv } from '../config';
export type { AgentConfig } from '../config';
export * from '../streams';
