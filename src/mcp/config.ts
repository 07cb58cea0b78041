// The MCP servers a worker may use, in the `mcpServers` format of Claude Desktop and Claude Code, with a few
// settings of this project per server. A malformed file stops the worker at start, not a run at its first call.
import fs from 'node:fs';
import path from 'node:path';
import { msToNumber } from '@temporalio/common';
import { z } from 'zod';
import { resolveSettings } from '../settings';
import type { Settings } from '../settings';

/** Environment variable holding the path of the MCP servers file, or the JSON itself. */
const MCP_ENV = 'DURABLE_AGENT_MCP' as const;

/** The MCP configuration is malformed; the message names the server and the field to fix. */
export class McpConfigError extends Error {
  override name = 'McpConfigError';
}

// `__` separates server and tool in `mcp__<server>__<tool>`, so a server name must not contain it.
const SERVER_NAME = /^[a-zA-Z0-9-]+(?:_[a-zA-Z0-9-]+)*$/;

const duration = z.union([z.number(), z.string()]).refine(
  (value) => {
    try {
      return msToNumber(value as never) > 0;
    } catch {
      return false;
    }
  },
  { message: "must be positive milliseconds or a duration such as '30s'" },
);

const settings = {
  /** Start-to-close timeout of one call (default 30 s). */
  timeout: duration.optional(),
  /** Extra attempts of `read` and `idempotent` tools (default 2); unsafe tools get none. */
  retries: z.number().int().min(0).max(20).optional(),
  /** Overrides the effect the tools' annotations give. */
  effect: z.enum(['read', 'idempotent', 'unsafe']).optional(),
  /** true: every tool waits for approval; 'destructive': those whose annotations say destructiveHint. */
  needsApproval: z.union([z.boolean(), z.literal('destructive')]).optional(),
  /** Only these of the server's tools (their MCP names) are offered; default all. */
  tools: z.array(z.string().min(1)).optional(),
};

const stdioServer = z.strictObject({
  type: z.literal('stdio').optional(),
  command: z.string().min(1, 'must name the program to run'),
  args: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().optional(),
  ...settings,
});

const httpServer = z.strictObject({
  type: z.enum(['http', 'streamable-http']).optional(),
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  headers: z.record(z.string(), z.string()).optional(),
  ...settings,
});

/** One stdio server: the worker starts it as a child process. */
type McpStdioServer = z.output<typeof stdioServer>;
/** One Streamable HTTP server, already running somewhere. */
type McpHttpServer = z.output<typeof httpServer>;
/** One configured server. */
export type McpServerConfig = McpStdioServer | McpHttpServer;
/** Every configured server by name. */
export type McpServers = Record<string, McpServerConfig>;

/** Reads DURABLE_AGENT_MCP: unset or blank means no servers. */
export function mcpServersFromEnv(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): McpServers {
  return mcpServersOf(resolveSettings(env, [MCP_ENV]), cwd);
}

/** The MCP servers of the resolved settings; a file path is read relative to `cwd`. */
export function mcpServersOf(settings: Pick<Settings, typeof MCP_ENV>, cwd = process.cwd()): McpServers {
  const value = settings[MCP_ENV];
  if (!value) return {};
  if (value.startsWith('{')) return parseMcpServers(parseJson(value, `${MCP_ENV} (inline JSON)`), MCP_ENV);
  const file = path.resolve(cwd, value);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new McpConfigError(
      `${MCP_ENV}: cannot read ${file} (${(err as Error).message}); set it to the path of an mcpServers JSON file, or to the JSON itself.`,
    );
  }
  return parseMcpServers(parseJson(text, file), file);
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new McpConfigError(`${where} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Validates a parsed `{ "mcpServers": { ... } }` document; `where` names its source in errors. */
export function parseMcpServers(document: unknown, where = 'the MCP configuration'): McpServers {
  if (!document || typeof document !== 'object' || Array.isArray(document)) {
    throw new McpConfigError(`${where}: expected an object { "mcpServers": { "<name>": { ... } } }.`);
  }
  const servers = (document as { mcpServers?: unknown }).mcpServers;
  if (!servers || typeof servers !== 'object' || Array.isArray(servers)) {
    throw new McpConfigError(`${where}: "mcpServers" must be an object of servers by name.`);
  }
  const problems: string[] = [];
  const out: McpServers = {};
  for (const [name, entry] of Object.entries(servers as Record<string, unknown>)) {
    const label = `mcpServers.${name}`;
    if (!SERVER_NAME.test(name)) {
      problems.push(
        `${label}: the server name must be letters, digits, - and single _ (tools are named mcp__<server>__<tool>).`,
      );
      continue;
    }
    const entryType = (entry as { type?: unknown } | null)?.type;
    if (entryType === 'sse') {
      problems.push(`${label}.type: the SSE transport is not supported; use a Streamable HTTP url.`);
      continue;
    }
    const hasUrl = !!entry && typeof entry === 'object' && 'url' in entry;
    const hasCommand = !!entry && typeof entry === 'object' && 'command' in entry;
    if (!hasUrl && !hasCommand) {
      problems.push(`${label}: give "command" (a stdio server) or "url" (a Streamable HTTP server).`);
      continue;
    }
    if (hasUrl && hasCommand) {
      problems.push(`${label}: give either "command" or "url", not both.`);
      continue;
    }
    const parsed = (hasUrl ? httpServer : stdioServer).safeParse(entry);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push(`${[label, ...issue.path.map(String)].join('.')}: ${issue.message}`);
      }
      continue;
    }
    if (parsed.data.effect === 'unsafe' && parsed.data.retries) {
      problems.push(`${label}.retries: unsafe tools get exactly one attempt; remove "retries".`);
      continue;
    }
    out[name] = parsed.data;
  }
  if (problems.length > 0) throw new McpConfigError(`${where}:\n- ${problems.join('\n- ')}`);
  return out;
}
