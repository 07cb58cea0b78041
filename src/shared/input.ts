import { z } from 'zod';
import { DEFAULT_MODEL } from './constants';
import { MAX_MODEL_NAME_CHARS } from './run-plan';
import { outputInputSchema } from './output-input';
import { requestParamsFields } from './request-params';
import { serverToolsSchema } from './server-tools';
import { checkThinking } from './thinking';
import { checkSubagents, subagentSchemas } from './subagent-input';
import { contextSchema } from './context-input';

const textBlock = z
  .object({ type: z.literal('text'), text: z.string().min(1, 'text blocks must not be empty') })
  .loose();
const anyBlock = z.object({ type: z.string().min(1) }).loose();

/** One message of a conversation given as run input. */
export const messageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.union([
    z.string().min(1, 'message content must not be empty'),
    z.array(z.union([textBlock, anyBlock])).min(1, 'message content must not be an empty array'),
  ]),
});

/** Per-run limits, each with its default. */
export const limitsSchema = z
  .object({
    maxIterations: z.number().int().min(1).max(1000).default(10),
    maxToolCallsPerTurn: z.number().int().min(1).max(128).default(8),
    maxTokens: z.number().int().min(1).max(128_000).default(8192),
    maxTotalTokens: z.number().int().min(1).default(150_000),
    maxCostUsd: z.number().positive().default(1),
    approvalTimeoutSeconds: z
      .number()
      .positive()
      .default(24 * 60 * 60),
    /** Continue as new at the next turn boundary once the run's history has this many events. */
    historyEventsBeforeContinueAsNew: z.number().int().min(20).default(10_000),
  })
  .strict();

/** USD per million tokens; overrides the built-in price table for this run. */
export const pricingSchema = z
  .object({
    inputPerMTok: z.number().nonnegative(),
    outputPerMTok: z.number().nonnegative(),
    cacheWritePerMTok: z.number().nonnegative(),
    cacheReadPerMTok: z.number().nonnegative(),
    /** USD per 1,000 web searches of the server tool; the API's list price when not given. */
    webSearchPerThousand: z.number().nonnegative().optional(),
  })
  .strict();

/** How the model may choose tools (the Messages API's tool_choice, minus the parallel flag). */
export const toolChoiceSchema = z.union([
  z.object({ type: z.enum(['auto', 'any', 'none']) }).strict(),
  z.object({ type: z.literal('tool'), name: z.string().min(1) }).strict(),
]);

/** The one JSON argument of `agentRun`. */
export const agentInputSchema = z
  .object({
    prompt: z.string().trim().min(1, 'prompt must not be empty').optional(),
    messages: z.array(messageSchema).min(1).optional(),
    system: z.string().optional(),
    // Published as a search attribute, which the server refuses past its size limit (the run would be terminated).
    model: z.string().min(1).max(MAX_MODEL_NAME_CHARS).default(DEFAULT_MODEL),
    tools: z.array(z.string().min(1)).optional(),
    limits: limitsSchema.prefault({}),
    pricing: pricingSchema.optional(),
    toolChoice: toolChoiceSchema.optional(),
    parallelToolCalls: z.boolean().default(true),
    onMaxTokens: z.enum(['fail', 'continue']).default('fail'),
    promptCaching: z.boolean().default(true),
    context: contextSchema.prefault({}),
    ...requestParamsFields,
    output: outputInputSchema.optional(),
    serverTools: serverToolsSchema.optional(),
    ...subagentSchemas(limitsSchema.prefault({}), pricingSchema),
  })
  .strict()
  .superRefine((value, ctx) => {
    if ((value.prompt === undefined) === (value.messages === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of `prompt` or `messages`', path: [] });
    }
    const first = value.messages?.[0];
    if (first && first.role !== 'user') {
      ctx.addIssue({
        code: 'custom',
        message: 'the first message must have role "user"',
        path: ['messages', 0, 'role'],
      });
    }
    checkToolNames(
      value.tools,
      value.toolChoice,
      ctx,
      value.subagents?.map((a) => a.name),
    );
    checkSubagents(value, ctx);
    checkThinking(value, ctx);
    if (value.messages) checkToolPairs(value.messages, ctx);
  });

type Issues = z.RefinementCtx;

/**
 * Whether an entry of a run's "tools" covers this tool: its own name, or `mcp__<server>`, which stands for every
 * tool of that MCP server (`mcp__<server>__<tool>`); whether the server has the tool is known at pin time.
 */
function namesTool(entry: string, tool: string): boolean {
  return entry === tool || (/^mcp__[^_]+(?:_[^_]+)*$/.test(entry) && tool.startsWith(`${entry}__`));
}

// The API answers each of these with a 400 only after the run has started and paid for nothing; catching them
// here makes them InvalidAgentInput before any model call.
function checkToolNames(
  tools: readonly string[] | undefined,
  toolChoice: z.output<typeof toolChoiceSchema> | undefined,
  ctx: Issues,
  subagents: readonly string[] = [],
): void {
  if (tools) {
    const seen = new Set<string>();
    const repeated = new Set<string>();
    for (const name of tools) (seen.has(name) ? repeated : seen).add(name);
    if (repeated.size > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `tool names must be unique; repeated: ${listed([...repeated])}`,
        path: ['tools'],
      });
    }
  }
  if (
    toolChoice?.type === 'tool' &&
    tools &&
    !tools.some((name) => namesTool(name, toolChoice.name)) &&
    !subagents.includes(toolChoice.name)
  ) {
    ctx.addIssue({
      code: 'custom',
      message: `toolChoice names "${toolChoice.name}", which is not one of the run's tools; add it to "tools" or choose another`,
      path: ['toolChoice', 'name'],
    });
  }
}

/**
 * Every tool_use of an assistant message is answered by a tool_result in the next message (a user message
 * whose tool_result blocks come first), and every tool_result answers a tool_use of the message before it.
 */
function checkToolPairs(messages: ReadonlyArray<z.output<typeof messageSchema>>, ctx: Issues): void {
  let asked = new Set<string>();
  messages.forEach((message, index) => {
    const blocks = typeof message.content === 'string' ? [] : message.content;
    const idsOf = (type: string, key: string) =>
      blocks.filter((b) => b.type === type).map((b) => String((b as Record<string, unknown>)[key]));
    if (message.role === 'user') {
      const answered = idsOf('tool_result', 'tool_use_id');
      const stray = answered.filter((id) => !asked.has(id));
      if (stray.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `tool_result for ${listed(stray)} answers no tool_use of the message before it`,
          path: ['messages', index, 'content'],
        });
      }
      const unanswered = [...asked].filter((id) => !answered.includes(id));
      if (unanswered.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `the tool_use ${listed(unanswered)} of message ${index - 1} has no tool_result in this message`,
          path: ['messages', index, 'content'],
        });
      }
      const firstOther = blocks.findIndex((b) => b.type !== 'tool_result');
      if (
        answered.length > 0 &&
        firstOther !== -1 &&
        blocks.slice(firstOther).some((b) => b.type === 'tool_result')
      ) {
        ctx.addIssue({
          code: 'custom',
          message: 'tool_result blocks must come before any other block of their message',
          path: ['messages', index, 'content'],
        });
      }
      asked = new Set();
      return;
    }
    if (asked.size > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `the tool_use ${listed([...asked])} of message ${index - 1} is followed by another assistant message, not by its tool_result`,
        path: ['messages', index],
      });
    }
    asked = new Set(idsOf('tool_use', 'id'));
  });
  if (asked.size > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `the conversation ends with the unanswered tool_use ${listed([...asked])}; end it with a user message holding its tool_result`,
      path: ['messages', messages.length - 1],
    });
  }
}

const LISTED = 10;

/** At most ten names, quoted, and how many more: a failure message stays readable whatever the input. */
export function listed(names: string[]): string {
  const shown = names.slice(0, LISTED).map((n) => JSON.stringify(n.length > 80 ? `${n.slice(0, 80)}…` : n));
  return names.length > LISTED ? `${shown.join(', ')} and ${names.length - LISTED} more` : shown.join(', ');
}

/** Run input as callers write it (defaults optional). */
export type AgentInput = z.input<typeof agentInputSchema>;
/** Run input after validation, defaults filled in. */
export type ParsedAgentInput = z.output<typeof agentInputSchema>;
/** Limits after defaults. */
export type Limits = z.output<typeof limitsSchema>;
/** Prices in USD per million tokens. */
export type Pricing = z.output<typeof pricingSchema>;

/** How many problems a failure lists; the rest are counted, so a huge bad input gets a readable message. */
export const MAX_PROBLEMS_LISTED = 20;
const MAX_PROBLEM_LENGTH = 500;

/** Validates run input; returns the problems (one line each, at most twenty and a count), or the parsed input. */
export function parseAgentInput(
  raw: unknown,
): { ok: true; value: ParsedAgentInput } | { ok: false; problems: string[] } {
  const parsed = agentInputSchema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues;
  const problems = issues.slice(0, MAX_PROBLEMS_LISTED).map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : 'input';
    const line = `${where}: ${issue.message}`;
    return line.length > MAX_PROBLEM_LENGTH ? `${line.slice(0, MAX_PROBLEM_LENGTH)}…` : line;
  });
  if (issues.length > MAX_PROBLEMS_LISTED) {
    problems.push(`… and ${issues.length - MAX_PROBLEMS_LISTED} more problems`);
  }
  return { ok: false, problems };
}
