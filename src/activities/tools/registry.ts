import { createHash } from 'node:crypto';
import { msToNumber } from '@temporalio/common';
import type { ToolSpec } from '../../shared';
import type { AnyTool } from './define';
import { toInputSchema, ToolSchemaError } from './schema';

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_RETRIES = 2;
const NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** The worker's tools by name, each with the JSON description pinned into runs. */
export interface ToolRegistry {
  get(name: string): AnyTool | undefined;
  spec(name: string): ToolSpec | undefined;
  specs(): ToolSpec[];
}

/** Checks every tool and builds the registry; throws ToolSchemaError naming the tool and what to fix. */
export function createToolRegistry(tools: readonly AnyTool[]): ToolRegistry {
  const byName = new Map<string, { tool: AnyTool; spec: ToolSpec }>();
  for (const tool of tools) {
    const spec = describeTool(tool);
    if (byName.has(spec.name)) {
      throw new ToolSchemaError(`two tools are named "${spec.name}"; tool names must be unique.`);
    }
    byName.set(spec.name, { tool, spec });
  }
  return {
    get: (name) => byName.get(name)?.tool,
    spec: (name) => byName.get(name)?.spec,
    specs: () => [...byName.values()].map((entry) => entry.spec),
  };
}

/** Validates one tool declaration and derives its ToolSpec. */
export function describeTool(tool: AnyTool): ToolSpec {
  const label = typeof tool?.name === 'string' ? `tool "${tool.name}"` : 'a tool';
  if (!tool || typeof tool !== 'object')
    throw new ToolSchemaError('a tool must be an object made with defineTool({...}).');
  if (typeof tool.name !== 'string' || !NAME.test(tool.name)) {
    throw new ToolSchemaError(
      `${label}: the name must match ${NAME} (letters, digits, _ and -, at most 64 characters).`,
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

  const inputSchema = toInputSchema(tool.name, tool.input);
  const schemaHash = createHash('sha256')
    .update(JSON.stringify({ name: tool.name, inputSchema, effect: tool.effect }))
    .digest('hex')
    .slice(0, 16);
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
  };
}
