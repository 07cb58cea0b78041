// The package's public API.
export * from './shared';
export { defineTool } from './activities/tools/define';
export type { AnyTool, Tool, ToolContext } from './activities/tools/define';
export { createToolRegistry, describeTool } from './activities/tools/registry';
export type { ToolRegistry } from './activities/tools/registry';
export { ToolSchemaError, toInputSchema } from './activities/tools/schema';
export { loadToolModules, ToolModuleError } from './activities/tools/load';
export { createActivities } from './activities';
export type { Activities, ActivityDeps } from './activities';
export { configFromEnv } from './config';
export type { AgentConfig } from './config';
export { createAgentWorker, createAnthropicClient, ensureSearchAttributes, WORKFLOWS_PATH } from './worker';
export type { AgentWorkerOptions } from './worker';
export { awaitResult, connectClient, getProgress, RunFailedError, startRun, webUiLink } from './client';
export type { RunHandle, StartedRun, StartRunOptions } from './client';
