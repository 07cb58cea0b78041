// Pure budget and cost math: no workers, no servers, so it is unit-tested directly.
import type { Limits, Pricing } from '../shared/input';
import type { ApiUsage } from '../shared/messages';
import type { Usage } from '../shared/result';

/** Adds one model call's usage to the running total. */
export function addUsage(total: Usage, call: ApiUsage): Usage {
  return withServerTools(
    {
      inputTokens: total.inputTokens + call.input_tokens,
      outputTokens: total.outputTokens + call.output_tokens,
      cacheReadInputTokens: total.cacheReadInputTokens + call.cache_read_input_tokens,
      cacheCreationInputTokens: total.cacheCreationInputTokens + call.cache_creation_input_tokens,
    },
    (total.webSearchRequests ?? 0) + (call.server_tool_use?.web_search_requests ?? 0),
    (total.webFetchRequests ?? 0) + (call.server_tool_use?.web_fetch_requests ?? 0),
  );
}

/**
 * Token usage with the server tool counts set. A count of zero is left out, so a run that uses no server tools
 * keeps the usage shape it always had, in its result and in the state it carries across continue-as-new.
 */
export function withServerTools(usage: Usage, searches: number, fetches: number): Usage {
  const { webSearchRequests: _s, webFetchRequests: _f, ...tokens } = usage;
  return {
    ...tokens,
    ...(searches !== 0 ? { webSearchRequests: searches } : {}),
    ...(fetches !== 0 ? { webFetchRequests: fetches } : {}),
  };
}

/** Tokens that count against `maxTotalTokens`: every input token (cached or not) plus output (thinking included). */
export function totalTokens(usage: Usage): number {
  return usage.inputTokens + usage.cacheReadInputTokens + usage.cacheCreationInputTokens + usage.outputTokens;
}

/** Cost in USD of the given usage (tokens, and searches at their price per thousand), rounded to a millionth of a dollar so sums stay stable. */
export function costUsd(usage: Usage, pricing: Pricing): number {
  const micro =
    usage.inputTokens * pricing.inputPerMTok +
    usage.outputTokens * pricing.outputPerMTok +
    usage.cacheCreationInputTokens * pricing.cacheWritePerMTok +
    usage.cacheReadInputTokens * pricing.cacheReadPerMTok +
    // Plans pinned before searches were priced have no such price, and their runs made no searches.
    (usage.webSearchRequests ?? 0) * (pricing.webSearchPerThousand ?? 0) * 1000;
  return Math.round(micro) / 1_000_000;
}

/** Why the next model call may not be made, or undefined when it may. */
type BudgetVerdict =
  | { stop: false; finalTurn: boolean }
  | { stop: true; status: 'iteration_limit' | 'budget_exceeded'; reason: string };

/**
 * Decides, before a model call, whether it may be made. The last allowed iteration is marked so the
 * caller asks for a final answer (tool_choice none) instead of more tool calls.
 */
export function checkBudget(
  state: { iterations: number; usage: Usage; costUsd: number },
  limits: Limits,
): BudgetVerdict {
  if (state.iterations >= limits.maxIterations) {
    return {
      stop: true,
      status: 'iteration_limit',
      reason: `reached maxIterations (${limits.maxIterations}) model calls`,
    };
  }
  const tokens = totalTokens(state.usage);
  if (tokens >= limits.maxTotalTokens) {
    return {
      stop: true,
      status: 'budget_exceeded',
      reason: `spent ${tokens} tokens; the budget maxTotalTokens is ${limits.maxTotalTokens}`,
    };
  }
  if (state.costUsd >= limits.maxCostUsd) {
    return {
      stop: true,
      status: 'budget_exceeded',
      reason: `spent $${state.costUsd.toFixed(6)}; the budget maxCostUsd is $${limits.maxCostUsd}`,
    };
  }
  return { stop: false, finalTurn: state.iterations + 1 === limits.maxIterations };
}
