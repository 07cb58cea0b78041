import { createHash } from 'node:crypto';
import { msToNumber } from '@temporalio/common';
import type { ToolSpec } from '../../shared';
import type { AnyTool, ToolIsolation } from './define';
import { toolModuleOf } from './load';
import { checkLocalIsolation, runAsSpec } from './run-as';
import { toInputSchema, ToolSchemaError } from './schema';

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_RETRIES = 2;
export const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** The worker's tools by name, each with the JSON description pinned into runs. */
export interface ToolRegistry {
  get(name: string): AnyTool | undefined;
  spec(name: string): ToolSpec | undefined;
  specs(): ToolSpec[];
  /** The module to load in a child process for each call of this tool; undefined when it runs in the worker. */
  isolatedModule?(name: string): string | undefined;
  /**
   * Learns the tools these names need from where they live (MCP servers list theirs when asked) before `get` and
   * `spec` are used; returns the names with each group name (`mcp__<server>`) replaced by its tools.
   */
  prepare?(names: readonly string[]): Promise<string[]>;
  /** Learns this tool again from where it lives before a call, so `spec` shows whether it changed. */
  refresh?(name: string): Promise<void>;
}

/** How the registry runs tools that do not say. */
export interface ToolRegistryOptions {
  /** The isolation of tools without an `isolation` of their own (DURABLE_AGENT_TOOL_ISOLATION); default 'none'. */
  isolation?: ToolIsolation;
}

/** Checks every tool and builds the registry; throws ToolSchemaError naming the tool and what to fix. */
export function createToolRegistry(
  tools: readonly AnyTool[],
  options: ToolRegistryOptions = {},
): ToolRegistry {
  const byName = new Map<string, { tool: AnyTool; spec: ToolSpec; module: string | undefined }>();
  for (const tool of tools) {
    const spec = describeTool(tool);
    if (byName.has(spec.name)) {
      throw new ToolSchemaError(`two tools are named "${spec.name}"; tool names must be unique.`);
    }
    checkLocalIsolation(tool, options.isolation ?? 'none');
    byName.set(spec.name, { tool, spec, module: isolatedModule(tool, options.isolation ?? 'none') });
  }
  return {
    get: (name) => byName.get(name)?.tool,
    spec: (name) => byName.get(name)?.spec,
    specs: () => [...byName.values()].map((entry) => entry.spec),
    isolatedModule: (name) => byName.get(name)?.module,
  };
}

// A child process can only rebuild a tool by loading its module: a tool made in code (a closure, say) has no
// module to load, so asking to isolate it is refused at start rather than silently running it unisolated.
function isolatedModule(tool: AnyTool, fallback: ToolIsolation): string | undefined {
  const isolation = tool.isolation ?? fallback;
  if (isolation !== 'process') return undefined;
  const module = toolModuleOf(tool);
  if (module === undefined) {
    const why =
      tool.isolation === 'process'
        ? "it has `isolation: 'process'`"
        : "DURABLE_AGENT_TOOL_ISOLATION is 'process'";
    throw new ToolSchemaError(
      `tool "${tool.name}": ${why}, but the tool was given in code, not loaded from a tool module, so a child process cannot load it. Put it in a module listed in DURABLE_AGENT_TOOLS, or give it \`isolation: 'none'\`.`,
    );
  }
  return module;
}

/** Validates one tool declaration and derives its ToolSpec. */
export function describeTool(tool: AnyTool): ToolSpec {
  const label = typeof tool?.name === 'string' ? `tool "${tool.name}"` : 'a tool';
  if (!tool || typeof tool !== 'object')
    throw new ToolSchemaError('a tool must be an object made with defineTool({...}).');
  if (typeof tool.name !== 'string' || !TOOL_NAME.test(tool.name)) {
    throw new ToolSchemaError(
      `${label}: the name must match ${TOOL_NAME} (letters, digits, _ and -, at most 64 characters).`,
    );
  }
  if (typeof tool.description !== 'string' || tool.description.trim() === '') {
    throw new ToolSchemaError(`${label}: give a description saying what it does and when to use it.`);
  }
  if ((tool.input as { _zod?: { def?: { type?: string } } } | undefined)?._zod?.def?.type !== 'object') {
    throw new ToolSchemaError(`${label}: \`input\` must be a zod object schema, z.object({...}).`);
  }
  if (!['read', 'idempotent', 'unsafe'].includes(tool.effect)) {
    throw new ToolSchemaError(
      `${label}: \`effect\` must be 'read', 'idempotent' or 'unsafe', got ${JSON.stringify(tool.effect)}.`,
    );
  }
  if (typeof tool.run !== 'function') throw new ToolSchemaError(`${label}: \`run\` must be a function.`);
  if (tool.reconcile !== undefined && typeof tool.reconcile !== 'function') {
    throw new ToolSchemaError(`${label}: \`reconcile\` must be a function of the idempotency key.`);
  }
  if (tool.isolation !== undefined && tool.isolation !== 'process' && tool.isolation !== 'none') {
    throw new ToolSchemaError(
      `${label}: \`isolation\` must be 'process' or 'none', got ${JSON.stringify(tool.isolation)}.`,
    );
  }
  if (tool.effect === 'unsafe' && tool.retries !== undefined && tool.retries !== 0) {
    throw new ToolSchemaError(
      `${label}: unsafe tools get exactly one attempt; remove \`retries\` or declare the tool 'idempotent' if repeating it is safe.`,
    );
  }
  const retries = tool.effect === 'unsafe' ? 0 : (tool.retries ?? DEFAULT_RETRIES);
  if (!Number.isInteger(retries) || retries < 0 || retries > 20) {
    throw new ToolSchemaError(`${label}: \`retries\` must be a whole number from 0 to 20.`);
  }
  let timeoutMs: number;
  try {
    timeoutMs = tool.timeout === undefined ? DEFAULT_TIMEOUT_MS : msToNumber(tool.timeout);
  } catch {
    throw new ToolSchemaError(
      `${label}: \`timeout\` must be milliseconds or a duration such as '30s', got ${JSON.stringify(tool.timeout)}.`,
    );
  }
  if (!(timeoutMs > 0)) throw new ToolSchemaError(`${label}: \`timeout\` must be positive.`);

  const local = runAsSpec(tool, label);
  const inputSchema = toInputSchema(tool.name, tool.input);
  const schemaHash = schemaHashOf(tool.name, inputSchema, tool.effect);
  return {
    name: tool.name,
    description: tool.description,
    inputSchema,
    effect: tool.effect,
    timeoutMs,
    maxAttempts: retries + 1,
    needsApproval: tool.needsApproval === true,
    reconcilable: typeof tool.reconcile === 'function',
    schemaHash,
    ...local,
  };
}

/** What identifies a tool's contract: a call pinned with another hash is refused as SchemaChanged. */
export function schemaHashOf(name: string, inputSchema: Record<string, unknown>, effect: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ name, inputSchema, effect }))
    .digest('hex')
    .slice(0, 16);
}
