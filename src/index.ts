// `durable-agent`: what tool authors and the programs that start runs need. It loads neither the worker nor
// the native Temporal core, so a tool module or a client script starts fast. Workers import
// `durable-agent/worker`; workflows import `durable-agent/workflow`; tests import `durable-agent/testing`.
export * from './shared';
export { defineTool, outcomeUnknown } from './activities/tools/define';
export type { AnyTool, Tool, ToolContext, ToolRunAs } from './activities/tools/define';
export {
  awaitResult,
  connectClient,
  getProgress,
  loadToolCalls,
  loadTranscript,
  RunFailedError,
  runWithOutput,
  startRun,
  StreamText,
  streamBackendFromEnv,
  visibleText,
  watchRun,
  watchSession,
  webUiLink,
} from './client';
export type {
  ConnectClientOptions,
  RunHandle,
  StartedRun,
  StartRunOptions,
  StreamBackend,
  TextChange,
  VisibleTurn,
  WatchRunOptions,
  WatchSessionOptions,
} from './client';
export { outputJsonSchema, parseOutput } from './output-schema';
export type { TypedResult, TypedRunInput } from './output-schema';
export { openSession, SessionError } from './session-client';
export type { AgentSession, OpenSessionOptions } from './session-client';
export * from './codec';
