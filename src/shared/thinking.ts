// Extended thinking as a run asks for it, and the rules the Messages API enforces once thinking is on. The API
// answers a request that breaks them with a 400 after the run has started; checking them here makes them
// InvalidAgentInput at pinRun, before anything is spent.
import { z } from 'zod';
import { interleaved, thinkingOn } from './thinking-config';
import type { ThinkingConfig } from './thinking-config';

export { interleaved, thinkingOn } from './thinking-config';
export type { ThinkingConfig } from './thinking-config';

/** The beta flag that lets the model think between tool calls of one turn. */
export const INTERLEAVED_THINKING_BETA = 'interleaved-thinking-2025-05-14';
/** The smallest thinking budget the API accepts. */
export const MIN_THINKING_BUDGET = 1024;

/** The run input's `thinking`: a fixed budget, adaptive (the model decides), or off. */
export const thinkingSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('enabled'),
      budgetTokens: z
        .number()
        .int()
        .min(
          MIN_THINKING_BUDGET,
          `the API takes a thinking budget of at least ${MIN_THINKING_BUDGET} tokens`,
        ),
      interleaved: z.boolean().optional(),
    })
    .strict(),
  z.object({ type: z.literal('adaptive'), interleaved: z.boolean().optional() }).strict(),
  z.object({ type: z.literal('disabled') }).strict(),
]);

/** The parts of the parsed run input the thinking rules look at. */
interface ThinkingInput {
  thinking?: ThinkingConfig | undefined;
  limits: { maxTokens: number };
  temperature?: number | undefined;
  topP?: number | undefined;
  topK?: number | undefined;
  toolChoice?: { type: string } | undefined;
}

/** Adds an issue for each setting the API refuses together with thinking. */
export function checkThinking(value: ThinkingInput, ctx: z.RefinementCtx): void {
  const { thinking } = value;
  if (!thinking || !thinkingOn(thinking)) return;
  const issue = (path: Array<string | number>, message: string) =>
    ctx.addIssue({ code: 'custom', message, path });
  // With interleaved thinking the budget spans the whole turn, so the API lets it exceed max_tokens.
  if (
    thinking.type === 'enabled' &&
    !interleaved(thinking) &&
    thinking.budgetTokens >= value.limits.maxTokens
  ) {
    issue(
      ['thinking', 'budgetTokens'],
      `the thinking budget (${thinking.budgetTokens}) must be less than limits.maxTokens (${value.limits.maxTokens}), which it is part of; raise limits.maxTokens or lower the budget`,
    );
  }
  if (value.temperature !== undefined && value.temperature !== 1)
    issue(
      ['temperature'],
      'with thinking on, the API takes temperature 1 only; remove temperature or turn thinking off',
    );
  if (value.topK !== undefined)
    issue(['topK'], 'with thinking on, the API does not take topK; remove it or turn thinking off');
  if (value.topP !== undefined && value.topP < 0.95)
    issue(
      ['topP'],
      'with thinking on, the API takes topP between 0.95 and 1 only; raise it, remove it or turn thinking off',
    );
  const choice = value.toolChoice?.type;
  if (choice === 'any' || choice === 'tool')
    issue(
      ['toolChoice'],
      `with thinking on, the API takes toolChoice "auto" or "none" only, not "${choice}"; remove toolChoice (the model then chooses), use "auto", or turn thinking off`,
    );
}
