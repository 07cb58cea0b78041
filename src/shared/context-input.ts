// The run input's `context` field: how the run keeps its requests inside the model's context window. Resolved
// into the RunPlan's ContextPlan by pinRun (with the model's window from the table below).
import { z } from 'zod';
import type { ContextPlan } from './context';

/** The context window of models the table does not know; a "prompt is too long" answer corrects it. */
export const DEFAULT_CONTEXT_WINDOW_TOKENS = 200_000;

/** The beta that gives some models a window of a million tokens. */
const CONTEXT_1M_BETA = 'context-1m-2025-08-07';

// Context windows in tokens, matched by prefix like the price table. Every current model has 200k; the 1M
// beta widens the ones listed in ONE_MILLION.
const WINDOW_TABLE: ReadonlyArray<readonly [prefix: string, tokens: number]> = [['claude-', 200_000]];
const ONE_MILLION = ['claude-sonnet-4', 'claude-opus-4-6'];

/** The context window of a model, from the table (and the 1M beta when the run sends it). */
export function contextWindowFor(model: string, betas: readonly string[] = []): number {
  if (betas.includes(CONTEXT_1M_BETA) && ONE_MILLION.some((prefix) => model.startsWith(prefix)))
    return 1_000_000;
  return WINDOW_TABLE.find(([prefix]) => model.startsWith(prefix))?.[1] ?? DEFAULT_CONTEXT_WINDOW_TOKENS;
}

/** The run input's `context`, each field with its default. */
export const contextSchema = z
  .object({
    compaction: z.boolean().default(true),
    compactAt: z.number().min(0.1).max(0.95).default(0.8),
    keepLatestTurns: z.number().int().min(1).max(100).default(4),
    windowTokens: z.number().int().min(1_000).max(10_000_000).optional(),
    clearToolResults: z.boolean().default(false),
    serverCompaction: z.boolean().default(false),
  })
  .strict();

/** The run input's `context` after defaults. */
export type ContextInput = z.output<typeof contextSchema>;

/** The context plan of a run: its settings and its model's window. */
export function contextPlan(context: ContextInput, model: string, betas?: readonly string[]): ContextPlan {
  const { windowTokens, ...rest } = context;
  return { windowTokens: windowTokens ?? contextWindowFor(model, betas), ...rest };
}
