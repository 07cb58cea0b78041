// Unit tests: no workers, no servers. Sub-agent input validation, and how the ledger shows a child run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatChildRuns } from '../../src/cli/output';
import { parseAgentInput } from '../../src/shared';
import type { RunPlan, ToolCallRecord } from '../../src/shared';
import { planProblems } from '../../src/workflows/checks';

const agent = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  description: `The ${name}.`,
  ...extra,
});
const problems = (input: Record<string, unknown>) => {
  const parsed = parseAgentInput({ prompt: 'Hi', ...input });
  return parsed.ok ? [] : parsed.problems;
};

describe('sub-agent input', () => {
  it('accepts sub-agents with their own limits, filling in the defaults', () => {
    const parsed = parseAgentInput({
      prompt: 'Hi',
      subagents: [agent('researcher', { limits: { maxIterations: 3 }, tools: ['get_weather'] })],
    });
    assert.ok(parsed.ok);
    assert.equal(parsed.value.subagents?.[0]?.limits?.maxIterations, 3);
    assert.equal(parsed.value.subagents?.[0]?.limits?.maxTotalTokens, 150_000);
  });

  it('refuses two sub-agents with one name, and a sub-agent named like one of the run tools', () => {
    assert.deepEqual(problems({ subagents: [agent('a'), agent('a')] }), [
      'subagents.1.name: the sub-agent name "a" is already taken by another sub-agent; each tool and sub-agent of a run needs its own name',
    ]);
    assert.match(problems({ tools: ['a'], subagents: [agent('a')] }).join('\n'), /already taken by a tool/);
  });

  it('refuses limits that are not a run limit, and a name the Messages API would refuse', () => {
    assert.match(problems({ subagents: [agent('a', { limits: { maxTurns: 3 } })] }).join('\n'), /maxTurns/);
    assert.match(problems({ subagents: [agent('has space')] }).join('\n'), /sub-agent name/);
  });

  it('lets sub-agents nest down to maxSubagentDepth (2 unless the run says otherwise)', () => {
    const nested = (levels: number): Record<string, unknown> =>
      levels === 1 ? agent(`l${levels}`) : agent(`l${levels}`, { subagents: [nested(levels - 1)] });
    assert.deepEqual(problems({ subagents: [nested(2)] }), []);
    assert.match(problems({ subagents: [nested(3)] }).join('\n'), /nest at most 2 levels/);
    assert.deepEqual(problems({ subagents: [nested(3)], maxSubagentDepth: 3 }), []);
  });

  it('counts a depth given at the start, and refuses one deeper than the limit', () => {
    assert.match(problems({ depth: 2, subagents: [agent('a')] }).join('\n'), /would run at depth 3/);
    assert.match(problems({ depth: 3 }).join('\n'), /deeper than maxSubagentDepth 2/);
    assert.match(problems({ depth: -1 }).join('\n'), /depth/);
    assert.match(problems({ depth: 1.5 }).join('\n'), /depth/);
  });

  it('lets toolChoice force a sub-agent', () => {
    assert.deepEqual(
      problems({ tools: [], subagents: [agent('a')], toolChoice: { type: 'tool', name: 'a' } }),
      [],
    );
  });
});

describe('sub-agents in the ledger', () => {
  it('shows each child run with its ID, status, tokens and cost', () => {
    const call: ToolCallRecord = {
      toolUseId: 'toolu_1',
      name: 'researcher',
      input: { task: 'owls' },
      status: 'succeeded',
      attempts: 1,
      durationMs: 10,
      child: {
        workflowId: 'run-1/toolu_1',
        status: 'completed',
        usage: { inputTokens: 1000, outputTokens: 100, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
        costUsd: 0.0045,
      },
    };
    assert.deepEqual(formatChildRuns([call, { ...call, child: undefined } as unknown as ToolCallRecord]), [
      'sub-agent   researcher · run-1/toolu_1 · completed · 1100 tokens · $0.0045',
    ]);
  });
});

describe('sub-agents in a pinned plan', () => {
  const plan = (subagents: unknown): RunPlan => {
    const parsed = parseAgentInput({ prompt: 'Hi' });
    assert.ok(parsed.ok);
    const { limits } = parsed.value;
    const pricing = { inputPerMTok: 3, outputPerMTok: 15, cacheWritePerMTok: 3.75, cacheReadPerMTok: 0.3 };
    return {
      model: 'm',
      limits,
      pricing,
      parallelToolCalls: true,
      onMaxTokens: 'fail',
      promptCaching: true,
      subagents,
    } as RunPlan;
  };

  it('refuses a sub-agent policy whose limits the workflow could not cap', () => {
    const limits = { maxTotalTokens: 1000, maxCostUsd: 1 };
    assert.deepEqual(planProblems(plan([{ name: 'a', child: { limits, depth: 1 } }])), []);
    assert.deepEqual(planProblems(plan([{ name: 'a', child: { limits: { maxCostUsd: 1 }, depth: 1 } }])), [
      'plan.subagents.0 is not a sub-agent policy',
    ]);
    assert.deepEqual(planProblems(plan('a')), ['plan.subagents is not a list']);
  });
});
