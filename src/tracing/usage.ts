// Token and cost figures for spans, pure so that both the workflow interceptors and the activity side use them.
import type { Pricing } from '../shared/input';
import type { ApiUsage } from '../shared/messages';
import { addUsage, costUsd } from '../workflows/budget';

const ZERO = { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 };

/** Input tokens as the GenAI conventions count them: cached ones included. */
export function allInputTokens(usage: ApiUsage): number {
  return usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens;
}

/** Cost in USD of one model call's usage. */
export function callCostUsd(usage: ApiUsage, pricing: Pricing): number {
  return costUsd(addUsage(ZERO, usage), pricing);
}
