// One MCP tool as a tool of this runtime: a ToolSpec (its JSON Schema as the MCP server gave it, the effect its
// annotations declare) and a `run` that calls the server with the run's idempotency key in the request's _meta.
import { McpError, ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import { ApplicationFailure, msToNumber } from '@temporalio/common';
import { Ajv2020 } from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv/dist/2020';
import { z } from 'zod';
import { ToolErrorType } from '../shared';
import type { ToolEffect, ToolSpec } from '../shared';
import { outcomeUnknown } from '../activities/tools/define';
import type { AnyTool, ToolContext } from '../activities/tools/define';
import { DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS, schemaHashOf } from '../activities/tools/registry';
import type { McpServerConfig } from './config';
import type { McpConnections } from './connections';
import { messageOf } from './connections';
import { mcpResultContent, mcpResultText } from './content';
import type { ToolContent } from '../activities/tool-output';

/** Prefix of every MCP tool name: `mcp__<server>__<tool>`, the Claude Agent SDK's convention. */
export const MCP_PREFIX = 'mcp__';

/** The `_meta` key of a tools/call request that carries the run's idempotency key. */
const IDEMPOTENCY_META_KEY = 'durable-agent/idempotencyKey';

/** An MCP tool adapted to the runtime. */
export interface McpToolEntry {
  tool: AnyTool;
  spec: ToolSpec;
}

/** The runtime's name of a server's tool. */
export function mcpToolName(server: string, tool: string): string {
  return `${MCP_PREFIX}${server}__${tool}`;
}

/** The server part of an MCP tool name or group name (`mcp__<server>`), or undefined for other names. */
export function mcpServerOf(name: string): string | undefined {
  if (!name.startsWith(MCP_PREFIX)) return undefined;
  const rest = name.slice(MCP_PREFIX.length);
  const end = rest.indexOf('__');
  return end === -1 ? rest : rest.slice(0, end);
}

/** The effect the server's annotations declare, unless the configuration overrides it. */
function effectOf(tool: McpTool, override?: ToolEffect): ToolEffect {
  if (override) return override;
  if (tool.annotations?.readOnlyHint === true) return 'read';
  if (tool.annotations?.idempotentHint === true) return 'idempotent';
  return 'unsafe';
}

/** Adapts one listed tool of `server`. */
export function adaptMcpTool(
  server: string,
  config: McpServerConfig,
  listed: McpTool,
  connections: McpConnections,
): McpToolEntry {
  const name = mcpToolName(server, listed.name);
  const effect = effectOf(listed, config.effect);
  const { $schema: _dialect, ...inputSchema } = listed.inputSchema as Record<string, unknown>;
  // MCP's default for destructiveHint is true: a tool that says nothing is treated as destructive.
  const destructive = effect !== 'read' && listed.annotations?.destructiveHint !== false;
  const timeoutMs = config.timeout === undefined ? DEFAULT_TIMEOUT_MS : msToNumber(config.timeout as never);
  const spec: ToolSpec = {
    name,
    description:
      listed.description?.trim() ||
      listed.title ||
      `The tool "${listed.name}" of the MCP server "${server}".`,
    inputSchema,
    effect,
    timeoutMs,
    maxAttempts: effect === 'unsafe' ? 1 : (config.retries ?? DEFAULT_RETRIES) + 1,
    needsApproval: config.needsApproval === true || (config.needsApproval === 'destructive' && destructive),
    reconcilable: false,
    schemaHash: schemaHashOf(name, inputSchema, effect),
  };
  const tool: AnyTool = {
    name,
    description: spec.description,
    // The zod schema only admits an object; the server's JSON Schema is checked in run.
    input: z.looseObject({}),
    effect,
    run: async (input: Record<string, unknown>, ctx: ToolContext) => {
      const validate = validatorOf(spec.schemaHash, inputSchema);
      if (validate && !validate(input)) throw invalidInput(validate);
      return callTool(server, listed.name, input, ctx, connections, timeoutMs);
    },
  };
  return { tool, spec };
}

// Tools are adapted again at every listing (before each call); compiling is the costly part, so it is done once
// per schema, when a tool is first called.
const validators = new Map<string, ValidateFunction | undefined>();

// A JSON Schema Ajv cannot compile (an unknown keyword, a remote $ref) is not a reason to refuse the tool: the
// input then goes to the server unchecked, and the server's own validation answers.
function validatorOf(hash: string, schema: Record<string, unknown>): ValidateFunction | undefined {
  if (!validators.has(hash)) {
    let validate: ValidateFunction | undefined;
    try {
      validate = new Ajv2020({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
    } catch {
      validate = undefined;
    }
    validators.set(hash, validate);
  }
  return validators.get(hash);
}

function invalidInput(validate: ValidateFunction): ApplicationFailure {
  const problems = (validate.errors ?? []).map((e) => {
    const where = e.instancePath ? e.instancePath.slice(1).replaceAll('/', '.') : 'input';
    return `- ${where}: ${e.message ?? 'is invalid'}`;
  });
  return ApplicationFailure.create({
    type: ToolErrorType.InvalidInput,
    nonRetryable: true,
    message: problems.join('\n'),
  });
}

async function callTool(
  server: string,
  toolName: string,
  input: Record<string, unknown>,
  ctx: ToolContext,
  connections: McpConnections,
  timeoutMs: number,
): Promise<string | ToolContent> {
  let client;
  try {
    client = await connections.client(server);
  } catch (err) {
    // Nothing was sent: retrying (on this worker or another) is safe whatever the tool's effect.
    throw ApplicationFailure.create({ type: ToolErrorType.Failed, message: messageOf(err) });
  }
  let result: CallToolResult;
  try {
    result = (await client.callTool(
      { name: toolName, arguments: input, _meta: { [IDEMPOTENCY_META_KEY]: ctx.idempotencyKey } },
      undefined,
      {
        signal: ctx.signal,
        timeout: timeoutMs,
        resetTimeoutOnProgress: true,
        onprogress: (progress) => ctx.heartbeat(progress),
      },
    )) as CallToolResult;
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    if (err instanceof McpError && err.code === (ErrorCode.InvalidParams as number)) {
      throw ApplicationFailure.create({
        type: ToolErrorType.InvalidInput,
        nonRetryable: true,
        message: `MCP server "${server}" rejected the input: ${err.message}`,
      });
    }
    if (
      err instanceof McpError &&
      err.code !== (ErrorCode.ConnectionClosed as number) &&
      err.code !== (ErrorCode.RequestTimeout as number)
    ) {
      throw ApplicationFailure.create({
        type: ToolErrorType.Failed,
        message: `MCP server "${server}" answered with an error: ${err.message}`,
      });
    }
    // The request was sent and no answer came back: the server may have done the work. The next call gets a
    // fresh connection.
    await connections.drop(server);
    throw outcomeUnknown(
      `the call to MCP server "${server}" was sent but no answer came back (${messageOf(err)}); whether it took effect is unknown.`,
    );
  }
  if (result.isError === true) {
    const message = mcpResultText(result);
    throw ApplicationFailure.create({ type: ToolErrorType.Failed, nonRetryable: true, message });
  }
  return mcpResultContent(result);
}
