// The run's request settings in the form the Messages API takes them: snake_case body fields, and the beta
// flags as the anthropic-beta header (the stable messages endpoint takes betas only that way).
import type { RequestParams } from '../shared/request-params';
import { INTERLEAVED_THINKING_BETA, interleaved } from '../shared/thinking';
import type { ThinkingConfig } from '../shared/thinking';

// Declared here because the installed SDK's request type no longer lists temperature, top_p and top_k; the
// SDK sends the body as given, and the API still takes them.
interface ApiParams {
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  metadata?: { user_id: string };
  service_tier?: 'auto' | 'standard_only';
  thinking?: { type: 'enabled'; budget_tokens: number } | { type: 'adaptive' } | { type: 'disabled' };
}

/** The body fields of the settings the run gave; settings it did not give are left to the API's defaults. */
export function toApiParams(params: RequestParams | undefined): ApiParams {
  if (!params) return {};
  const body: ApiParams = {};
  if (params.temperature !== undefined) body.temperature = params.temperature;
  if (params.topP !== undefined) body.top_p = params.topP;
  if (params.topK !== undefined) body.top_k = params.topK;
  if (params.stopSequences !== undefined) body.stop_sequences = params.stopSequences;
  if (params.metadata !== undefined) body.metadata = { user_id: params.metadata.userId };
  if (params.serviceTier !== undefined) body.service_tier = params.serviceTier;
  if (params.thinking !== undefined) body.thinking = thinkingParam(params.thinking);
  return body;
}

function thinkingParam(thinking: ThinkingConfig): NonNullable<ApiParams['thinking']> {
  if (thinking.type === 'enabled') return { type: 'enabled', budget_tokens: thinking.budgetTokens };
  return { type: thinking.type };
}

/** The request headers that carry the run's beta flags (and `more` the request needs); none when there are none. */
export function betaHeaders(
  params: RequestParams | undefined,
  more: readonly string[] = [],
): Record<string, string> {
  const betas = [...new Set([...(params?.betas ?? []), ...more])];
  if (interleaved(params?.thinking) && !betas.includes(INTERLEAVED_THINKING_BETA))
    betas.push(INTERLEAVED_THINKING_BETA);
  return betas.length > 0 ? { 'anthropic-beta': betas.join(',') } : {};
}
