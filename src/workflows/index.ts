export { agentRun } from './agent-run';
export { runAgent } from './run-agent';
export type { RunAgentOptions } from './run-agent';
export { agentSession } from './agent-session';
