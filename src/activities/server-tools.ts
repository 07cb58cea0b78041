// Server tools on the worker side: the declarations a run pinned, checked against its own tools' names, and the
// API's per-call count of what they did, taken into the call's usage so searches are priced.
import type Anthropic from '@anthropic-ai/sdk';
import type { ServerToolDeclaration, ServerToolUsage } from '../shared';
import { invalidAgentInput } from './invalid-input';

/**
 * The run's server tools, to be sent as declared. A name shared with one of the run's own tools or sub-agents
 * would be refused by the API (tool names are unique), so it fails the run here, before any model call.
 */
export function serverToolParams(
  declared: ServerToolDeclaration[] | undefined,
  otherNames: readonly string[],
): ServerToolDeclaration[] {
  const tools = declared ?? [];
  const clash = tools.find((tool) => otherNames.includes(tool.name));
  if (clash) {
    const problem = `serverTools: the server tool "${clash.name}" has the name of one of the run's tools; rename or drop that tool, or leave out the server tool`;
    throw invalidAgentInput([problem]);
  }
  return tools;
}

/** The call's server tool usage when the API reported any (absent otherwise, as in replies before it existed). */
export function serverToolUsage(usage: Anthropic.ServerToolUsage | null | undefined): {
  server_tool_use?: ServerToolUsage;
} {
  if (!usage) return {};
  const searches = usage.web_search_requests ?? 0;
  const fetches = usage.web_fetch_requests ?? 0;
  if (searches === 0 && fetches === 0) return {};
  return { server_tool_use: { web_search_requests: searches, web_fetch_requests: fetches } };
}
