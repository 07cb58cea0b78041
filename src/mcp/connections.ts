// One client per MCP server, shared by every call of the worker: opened on first use, dropped when its
// transport closes or fails (the next call opens a new one), closed when the worker shuts down.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import { Runtime } from '@temporalio/worker';
import type { McpServerConfig, McpServers } from './config';

/** How long starting a server and its `initialize` handshake may take. */
const MCP_CONNECT_TIMEOUT_MS = 20_000;

// Enough of a failing server's stderr to say why it failed, without keeping a chatty server's whole log.
const STDERR_TAIL = 2_000;

/** A server could not be started or reached; the message names it and says why. */
class McpUnavailableError extends Error {
  override name = 'McpUnavailableError';
}

interface Open {
  client: Client;
  stderr: () => string;
}

/** The worker's clients of its MCP servers. */
export class McpConnections {
  private readonly open = new Map<string, Promise<Open>>();
  private closed = false;

  constructor(
    private readonly servers: McpServers,
    private readonly connectTimeoutMs = MCP_CONNECT_TIMEOUT_MS,
  ) {}

  /** The configured server names. */
  names(): string[] {
    return Object.keys(this.servers);
  }

  /** The server's client, connecting first if no connection is open; rejects with McpUnavailableError. */
  async client(server: string): Promise<Client> {
    if (this.closed) throw new McpUnavailableError(`MCP server "${server}": the worker is shutting down.`);
    let pending = this.open.get(server);
    if (!pending) {
      pending = this.connect(server);
      this.open.set(server, pending);
      pending.catch(() => this.forget(server, pending));
    }
    return (await pending).client;
  }

  /** Every tool the server lists (all pages). */
  async listTools(server: string): Promise<McpTool[]> {
    const client = await this.client(server);
    const tools: McpTool[] = [];
    let cursor: string | undefined;
    try {
      do {
        const page = await client.listTools(cursor === undefined ? {} : { cursor });
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
    } catch (err) {
      await this.drop(server);
      throw new McpUnavailableError(`MCP server "${server}" did not list its tools: ${messageOf(err)}`);
    }
    return tools;
  }

  /** Closes the server's connection so the next call opens a new one (after a failure whose state is unclear). */
  async drop(server: string): Promise<void> {
    const pending = this.open.get(server);
    this.open.delete(server);
    const open = await pending?.catch(() => undefined);
    await open?.client.close().catch(() => undefined);
  }

  /** Closes every connection (stdio servers are stopped); later calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.names().map((server) => this.drop(server)));
  }

  private forget(server: string, pending: Promise<Open> | undefined): void {
    if (this.open.get(server) === pending) this.open.delete(server);
  }

  private async connect(server: string): Promise<Open> {
    const config = this.servers[server];
    if (!config) throw new McpUnavailableError(`no MCP server named "${server}" is configured.`);
    const client = new Client({ name: 'durable-agent', version: '0.1.0' });
    let tail = '';
    const transport = transportOf(config);
    if (transport instanceof StdioClientTransport) {
      transport.stderr?.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        tail = (tail + text).slice(-STDERR_TAIL);
        // Kept in the worker's log, which is where an operator looks when a server misbehaves.
        Runtime.instance().logger.info(text.trimEnd(), { mcpServer: server });
      });
    }
    const self = { client, stderr: () => tail.trim() };
    // A closed transport (the server exited, the session ended) means the next call must connect again.
    client.onclose = () => {
      const current = this.open.get(server);
      void current?.then(
        (open) => open.client === client && this.forget(server, current),
        () => undefined,
      );
    };
    try {
      await client.connect(transport, { timeout: this.connectTimeoutMs });
    } catch (err) {
      await client.close().catch(() => undefined);
      const output = tail.trim() ? ` Its output: ${tail.trim()}` : '';
      throw new McpUnavailableError(
        `MCP server "${server}" (${describeServer(config)}) could not be started or reached: ${messageOf(err)}.${output}`,
      );
    }
    return self;
  }
}

function transportOf(config: McpServerConfig) {
  if ('url' in config) {
    return new StreamableHTTPClientTransport(new URL(config.url), {
      ...(config.headers ? { requestInit: { headers: config.headers } } : {}),
    });
  }
  return new StdioClientTransport({
    command: config.command,
    ...(config.args ? { args: config.args } : {}),
    ...(config.env ? { env: config.env } : {}),
    ...(config.cwd ? { cwd: config.cwd } : {}),
    stderr: 'pipe',
  });
}

/** How a server is reached, for messages (never its headers or env, which may hold secrets). */
function describeServer(config: McpServerConfig): string {
  return 'url' in config ? config.url : `command ${[config.command, ...(config.args ?? [])].join(' ')}`;
}

/** The message of anything thrown. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
