// Unit tests: no workers, no servers. Budget and cost math of the agent loop.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { limitsSchema, pricingFor, ZERO_USAGE } from '../../src/shared';
import { addUsage, checkBudget, costUsd, totalTokens } from '../../src/workflows/budget';

const limits = limitsSchema.parse({});
const sonnet = pricingFor('claude-sonnet-4-6');

describe('budget math', () => {
  it('sums usage across calls, cache counters included', () => {
    const once = addUsage(ZERO_USAGE, {
      input_tokens: 100,
      output_tokens: 20,
      cache_creation_input_tokens: 300,
      cache_read_input_tokens: 0,
    });
    const twice = addUsage(once, {
      input_tokens: 10,
      output_tokens: 5,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 300,
    });
    assert.deepEqual(twice, {
      inputTokens: 110,
      outputTokens: 25,
      cacheCreationInputTokens: 300,
      cacheReadInputTokens: 300,
    });
    assert.equal(totalTokens(twice), 110 + 25 + 300 + 300);
  });

  it('prices input, output, cache writes and cache reads separately', () => {
    assert.ok(sonnet);
    // 1M of each: $3 input + $15 output + $3.75 cache write + $0.30 cache read.
    const usage = {
      inputTokens: 1e6,
      outputTokens: 1e6,
      cacheCreationInputTokens: 1e6,
      cacheReadInputTokens: 1e6,
    };
    assert.equal(costUsd(usage, sonnet), 3 + 15 + 3.75 + 0.3);
    assert.equal(costUsd({ ...ZERO_USAGE, outputTokens: 1000 }, sonnet), 0.015);
  });

  it('finds dated model IDs by family and knows no price for unknown models', () => {
    assert.deepEqual(pricingFor('claude-sonnet-4-5-20250929'), sonnet);
    assert.equal(pricingFor('claude-haiku-4-5')?.inputPerMTok, 1);
    assert.equal(pricingFor('gpt-4o'), undefined);
  });

  it('allows a call under every budget and marks the last allowed iteration', () => {
    assert.deepEqual(checkBudget({ iterations: 0, usage: ZERO_USAGE, costUsd: 0 }, limits), {
      stop: false,
      finalTurn: false,
    });
    assert.deepEqual(checkBudget({ iterations: 9, usage: ZERO_USAGE, costUsd: 0 }, limits), {
      stop: false,
      finalTurn: true,
    });
  });

  it('stops at the iteration cap', () => {
    const verdict = checkBudget({ iterations: 10, usage: ZERO_USAGE, costUsd: 0 }, limits);
    assert.equal(verdict.stop && verdict.status, 'iteration_limit');
  });

  it('stops when the token budget is spent', () => {
    const usage = { ...ZERO_USAGE, inputTokens: 149_000, outputTokens: 1_000 };
    const verdict = checkBudget({ iterations: 1, usage, costUsd: 0 }, limits);
    assert.equal(verdict.stop && verdict.status, 'budget_exceeded');
    assert.match(verdict.stop ? verdict.reason : '', /maxTotalTokens is 150000/);
  });

  it('stops when the cost budget is spent', () => {
    const verdict = checkBudget(
      { iterations: 1, usage: ZERO_USAGE, costUsd: 1.2 },
      { ...limits, maxCostUsd: 1 },
    );
    assert.equal(verdict.stop && verdict.status, 'budget_exceeded');
    assert.match(verdict.stop ? verdict.reason : '', /maxCostUsd/);
  });
});
