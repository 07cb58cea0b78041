// The worker's tool registry with its MCP servers' tools added. A server's tools are learned by listing them
// when a run pins its tools and again before each call, so a server that changed a tool since the run started
// is caught by the schema hash, as a changed tool module is.
import { ApplicationFailure } from '@temporalio/common';
import { listed as listOf, RunErrorType, ToolErrorType } from '../shared';
import { TOOL_NAME } from '../activities/tools/registry';
import type { ToolRegistry } from '../activities/tools/registry';
import type { McpServers } from './config';
import { McpConnections, messageOf } from './connections';
import { adaptMcpTool, mcpServerOf, MCP_PREFIX, mcpToolName } from './tools';
import type { McpToolEntry } from './tools';

/** The tools of the worker's MCP servers, as last listed, and the connections they are called over. */
export class McpToolbox {
  readonly connections: McpConnections;
  private readonly listed = new Map<string, Map<string, McpToolEntry>>();

  constructor(private readonly servers: McpServers) {
    this.connections = new McpConnections(servers);
  }

  /** The adapted tool of this name, from the last listing of its server. */
  entry(name: string): McpToolEntry | undefined {
    const server = mcpServerOf(name);
    return server === undefined ? undefined : this.listed.get(server)?.get(name);
  }

  /** Lists the server's tools again; rejects with an ApplicationFailure of `type` naming the server and why. */
  async refresh(server: string, type: string): Promise<Map<string, McpToolEntry>> {
    const config = this.servers[server];
    if (!config) {
      throw ApplicationFailure.create({
        type: RunErrorType.ToolsUnavailable,
        nonRetryable: true,
        message: `No MCP server named "${server}" is configured on this worker (DURABLE_AGENT_MCP has ${listOf(Object.keys(this.servers)) || 'none'}).`,
      });
    }
    let tools;
    try {
      tools = await this.connections.listTools(server);
    } catch (err) {
      throw ApplicationFailure.create({ type, message: messageOf(err) });
    }
    const offered = config.tools ? tools.filter((t) => config.tools?.includes(t.name)) : tools;
    const entries = new Map<string, McpToolEntry>();
    for (const tool of offered) {
      const name = mcpToolName(server, tool.name);
      // Claude accepts tool names of at most 64 characters from [a-zA-Z0-9_-]; others cannot be offered.
      if (TOOL_NAME.test(name)) entries.set(name, adaptMcpTool(server, config, tool, this.connections));
    }
    this.listed.set(server, entries);
    return entries;
  }

  /** The run's tool names with each `mcp__<server>` replaced by that server's tools; checks they exist. */
  async expand(names: readonly string[]): Promise<string[]> {
    const servers = [...new Set(names.map(mcpServerOf).filter((s): s is string => s !== undefined))];
    const lists = new Map(
      await Promise.all(
        servers.map(
          async (server) => [server, await this.refresh(server, RunErrorType.McpServerUnavailable)] as const,
        ),
      ),
    );
    const expanded = names.flatMap((name) => {
      const server = mcpServerOf(name);
      const tools = server === undefined ? undefined : lists.get(server);
      if (!tools) return [name];
      if (name === `${MCP_PREFIX}${server}`) return [...tools.keys()];
      if (!tools.has(name)) {
        throw ApplicationFailure.create({
          type: RunErrorType.ToolsUnavailable,
          nonRetryable: true,
          message: `The run asked for ${name}, which the MCP server "${server}" does not offer. Its tools: ${listOf([...tools.keys()]) || 'none'}.`,
        });
      }
      return [name];
    });
    return [...new Set(expanded)];
  }

  /** Closes every server connection. */
  close(): Promise<void> {
    return this.connections.close();
  }
}

/** `registry` with the toolbox's MCP tools added under their `mcp__<server>__<tool>` names. */
export function withMcpTools(registry: ToolRegistry, toolbox: McpToolbox): ToolRegistry {
  const isMcp = (name: string) => mcpServerOf(name) !== undefined;
  return {
    get: (name) => (isMcp(name) ? toolbox.entry(name)?.tool : registry.get(name)),
    spec: (name) => (isMcp(name) ? toolbox.entry(name)?.spec : registry.spec(name)),
    // A run that names no tools gets the worker's own tools only: MCP servers start when a run names them.
    specs: () => registry.specs(),
    isolatedModule: (name) => (isMcp(name) ? undefined : registry.isolatedModule?.(name)),
    prepare: async (names) => {
      const expanded = await toolbox.expand(names);
      return registry.prepare ? registry.prepare(expanded) : expanded;
    },
    refresh: async (name) => {
      const server = mcpServerOf(name);
      if (server !== undefined) await toolbox.refresh(server, ToolErrorType.Failed);
      else await registry.refresh?.(name);
    },
  };
}
