import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Run status as the runtime decided it (`running`, then the final status). */
export const AgentStatus = defineSearchAttributeKey('AgentStatus', SearchAttributeType.KEYWORD);
/** Model calls made so far. */
export const AgentIteration = defineSearchAttributeKey('AgentIteration', SearchAttributeType.INT);
/** Input plus output tokens spent so far. */
export const AgentTotalTokens = defineSearchAttributeKey('AgentTotalTokens', SearchAttributeType.INT);
/** Cost so far in USD, from the price table. */
export const AgentCostUsd = defineSearchAttributeKey('AgentCostUsd', SearchAttributeType.DOUBLE);
/** Model the run talks to. */
export const AgentModel = defineSearchAttributeKey('AgentModel', SearchAttributeType.KEYWORD);

/** Every search attribute the project uses, with the type name the Temporal CLI expects. */
export const SEARCH_ATTRIBUTES = [
  { name: AgentStatus.name, cliType: 'Keyword' },
  { name: AgentIteration.name, cliType: 'Int' },
  { name: AgentTotalTokens.name, cliType: 'Int' },
  { name: AgentCostUsd.name, cliType: 'Double' },
  { name: AgentModel.name, cliType: 'Keyword' },
] as const;
