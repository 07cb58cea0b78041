// Pure unit tests of the usage and cost math for server tools: no workers, no servers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pricingFor, ZERO_USAGE } from '../../src/shared';
import { addUsage, costUsd } from '../../src/workflows/budget';
import { plus, runCost } from '../../src/workflows/subagents';

const call = {
  input_tokens: 10,
  output_tokens: 20,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
};

test('a call without server tool usage leaves the usage shape as it was, so older histories replay alike', () => {
  assert.deepEqual(Object.keys(addUsage(ZERO_USAGE, call)).sort(), Object.keys(ZERO_USAGE).sort());
});

test('searches and fetches add up, and searches are priced per thousand', () => {
  const searched = { ...call, server_tool_use: { web_search_requests: 3, web_fetch_requests: 2 } };
  const usage = addUsage(addUsage(ZERO_USAGE, searched), searched);
  assert.equal(usage.webSearchRequests, 6);
  assert.equal(usage.webFetchRequests, 4);
  const free = { inputPerMTok: 0, outputPerMTok: 0, cacheWritePerMTok: 0, cacheReadPerMTok: 0 };
  assert.equal(costUsd(usage, { ...free, webSearchPerThousand: 10 }), 0.06);
  assert.equal(costUsd(usage, free), 0, 'a plan pinned before searches were priced');
  assert.equal(pricingFor('claude-sonnet-4-6')?.webSearchPerThousand, 10);
});

test("a run's own searches stay priced when it has children", () => {
  const prices = {
    inputPerMTok: 0,
    outputPerMTok: 0,
    cacheWritePerMTok: 0,
    cacheReadPerMTok: 0,
    webSearchPerThousand: 10,
  };
  const child = { usage: { ...ZERO_USAGE, webSearchRequests: 1 }, costUsd: 0.5 };
  const own = { ...ZERO_USAGE, webSearchRequests: 2 };
  assert.equal(runCost(plus(own, child.usage), child, prices), 0.52);
});
