// What pinRun records of a run's sub-agents: the tool definitions the model sees, and the child run each call
// starts. Worked out once at pin time, so the workflow decides from history only.
import type Anthropic from '@anthropic-ai/sdk';
import { invalidAgentInput } from './invalid-input';
import { DEFAULT_MAX_SUBAGENT_DEPTH, limitsSchema, listed } from '../shared';
import type { ParsedAgentInput, SubagentPolicy, ToolSpec } from '../shared';

type Definitions = NonNullable<ParsedAgentInput['subagents']>;

/** The tool a sub-agent is to the model: one string, the task. */
export function subagentToolParams(agents: Definitions): Anthropic.Tool[] {
  return agents.map((agent) => ({
    name: agent.name,
    description: `${agent.description}\n\nRuns a sub-agent on its own: give it the whole task in "task"; it answers with its final text.`,
    input_schema: {
      type: 'object',
      properties: {
        task: {
          type: 'string',
          description: 'The task for the sub-agent, with everything it needs to know.',
        },
      },
      required: ['task'],
      additionalProperties: false,
    },
  }));
}

/** Each sub-agent's child run input, but its task; the limits are the child's own, capped later by the parent. */
export function subagentPolicies(input: ParsedAgentInput): SubagentPolicy[] {
  const depth = (input.depth ?? 0) + 1;
  const maxSubagentDepth = input.maxSubagentDepth ?? DEFAULT_MAX_SUBAGENT_DEPTH;
  return (input.subagents ?? []).map((agent) => {
    // A sub-agent on the parent's model pays the parent's prices, also ones the run gave itself.
    const pricing = agent.pricing ?? (agent.model === undefined ? input.pricing : undefined);
    return {
      name: agent.name,
      child: {
        model: agent.model ?? input.model,
        ...(agent.system !== undefined ? { system: agent.system } : {}),
        ...(agent.tools !== undefined ? { tools: agent.tools } : {}),
        limits: agent.limits ?? limitsSchema.parse({}),
        ...(pricing !== undefined ? { pricing } : {}),
        ...(agent.subagents !== undefined ? { subagents: agent.subagents } : {}),
        depth,
        maxSubagentDepth,
      },
    };
  });
}

/** Fails the pin when a sub-agent shares its name with one of the run's tools (known only to the worker). */
export function checkSubagentNames(agents: Definitions, specs: readonly ToolSpec[]): void {
  const taken = agents.filter((agent) => specs.some((spec) => spec.name === agent.name)).map((a) => a.name);
  if (taken.length === 0) return;
  const problem = `subagents: ${listed(taken)} ${taken.length === 1 ? 'is' : 'are'} also the name of a tool of this run; rename the sub-agent or leave the tool out of "tools"`;
  throw invalidAgentInput([problem]);
}
