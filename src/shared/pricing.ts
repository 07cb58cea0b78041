import type { Pricing } from './input';

/** The API's list price of the web search server tool: USD 10 per 1,000 searches, on every model. */
export const WEB_SEARCH_USD_PER_THOUSAND = 10;

// USD per million tokens. Cache writes are priced at the 5-minute TTL rate (1.25× input), cache reads at
// 0.1× input. Matched by prefix so dated model IDs (claude-sonnet-4-5-20250929) find their family.
const PRICE_TABLE: ReadonlyArray<readonly [prefix: string, price: Pricing]> = [
  ['claude-opus-4-6', price(5, 25)],
  ['claude-opus-4-5', price(5, 25)],
  ['claude-opus-4-1', price(15, 75)],
  ['claude-opus-4', price(15, 75)],
  ['claude-sonnet-4', price(3, 15)],
  ['claude-3-7-sonnet', price(3, 15)],
  ['claude-haiku-4', price(1, 5)],
  ['claude-3-5-haiku', price(0.8, 4)],
  ['claude-3-haiku', price(0.25, 1.25)],
];

function price(input: number, output: number): Pricing {
  return {
    inputPerMTok: input,
    outputPerMTok: output,
    cacheWritePerMTok: input * 1.25,
    cacheReadPerMTok: input * 0.1,
    webSearchPerThousand: WEB_SEARCH_USD_PER_THOUSAND,
  };
}

/** Prices of a model from the built-in table, or undefined when the model is not in it. */
export function pricingFor(model: string): Pricing | undefined {
  const hit = PRICE_TABLE.find(([prefix]) => model.startsWith(prefix));
  return hit?.[1];
}
