import type Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure } from '@temporalio/activity';
import { RunErrorType } from '../shared';
import type { ToolSpec } from '../shared';
import { createCallClaude } from './call-claude';
import { createReconcileTool, createRunTool } from './run-tool';
import type { ToolRegistry } from './tools/registry';

export type { CallClaudeInput, CallClaudeOutput } from './call-claude';
export type { RunToolOutput } from './run-tool';

/** What the activities need from the worker. */
export interface ActivityDeps {
  anthropic: Anthropic;
  tools: ToolRegistry;
}

/** Builds every activity of the runtime from its dependencies. */
export function createActivities({ anthropic, tools }: ActivityDeps) {
  return {
    /** Pins the tools a run may use: their JSON descriptions go into the run's history at its start. */
    async describeTools(request: { names?: string[] }): Promise<ToolSpec[]> {
      if (request.names === undefined) return tools.specs();
      const missing = request.names.filter((name) => !tools.spec(name));
      if (missing.length > 0) {
        const known = tools.specs().map((s) => s.name);
        throw ApplicationFailure.create({
          type: RunErrorType.ToolsUnavailable,
          nonRetryable: true,
          message: `The run asked for tools this worker does not have: ${missing.join(', ')}. Known tools: ${known.join(', ') || 'none'}. Fix the run's "tools" list or load the tool with DURABLE_AGENT_TOOLS.`,
        });
      }
      return request.names.map((name) => tools.spec(name) as ToolSpec);
    },
    callClaude: createCallClaude(anthropic),
    runTool: createRunTool(tools),
    reconcileTool: createReconcileTool(tools),
  };
}

/** The activity functions, for typing workflow proxies. */
export type Activities = ReturnType<typeof createActivities>;
