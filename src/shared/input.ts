import { z } from 'zod';
import { DEFAULT_MODEL } from './constants';
import { MAX_MODEL_NAME_CHARS } from './run-plan';

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
    model: z.string().min(1).max(MAX_MODEL_NAME_CHARS).default(DEFAULT_MODEL),
    tools: z.array(z.string().min(1)).optional(),
    limits: limitsSchema.prefault({}),
    pricing: pricingSchema.optional(),
    toolChoice: toolChoiceSchema.optional(),
    parallelToolCalls: z.boolean().default(true),
    onMaxTokens: z.enum(['fail', 'continue']).default('fail'),
    promptCaching: z.boolean().default(true),
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
  });

/** Run input as callers write it (defaults optional). */
export type AgentInput = z.input<typeof agentInputSchema>;
/** Run input after validation, defaults filled in. */
export type ParsedAgentInput = z.output<typeof agentInputSchema>;
/** Limits after defaults. */
export type Limits = z.output<typeof limitsSchema>;
/** Prices in USD per million tokens. */
export type Pricing = z.output<typeof pricingSchema>;

/** Validates run input; returns every problem as one line each, or the parsed input. */
export function parseAgentInput(
  raw: unknown,
): { ok: true; value: ParsedAgentInput } | { ok: false; problems: string[] } {
  const parsed = agentInputSchema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  const problems = parsed.error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : 'input';
    return `${where}: ${issue.message}`;
  });
  return { ok: false, problems };
}
