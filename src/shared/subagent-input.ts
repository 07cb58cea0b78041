// Sub-agents as the run input declares them. Each becomes a tool the model calls with `{ "task": string }`; a
// call runs a child agentRun workflow. Validated here, before anything is spent.
import { z } from 'zod';
import { DEFAULT_MAX_SUBAGENT_DEPTH, MAX_SUBAGENT_DEPTH, MAX_MODEL_NAME_CHARS } from './run-plan';

/** One sub-agent of a run: a tool whose calls are child runs with this system prompt, model, tools and limits. */
export interface SubagentDefinition {
  name: string;
  description: string;
  system?: string | undefined;
  model?: string | undefined;
  tools?: string[] | undefined;
  limits?: Record<string, unknown> | undefined;
  pricing?: Record<string, number | undefined> | undefined;
  subagents?: SubagentDefinition[] | undefined;
}

/** Builds the sub-agent schema from the run's own limits and pricing schemas (input.ts owns those). */
export function subagentSchemas<L extends z.ZodType, P extends z.ZodType>(limits: L, pricing: P) {
  const definition = z
    .object({
      // The Messages API's rule for tool names: the name is sent as one.
      name: z
        .string()
        .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'a sub-agent name is 1 to 64 letters, digits, "_" or "-"'),
      description: z.string().trim().min(1, 'a sub-agent needs a description: the model reads it'),
      system: z.string().optional(),
      model: z.string().min(1).max(MAX_MODEL_NAME_CHARS).optional(),
      tools: z.array(z.string().min(1)).optional(),
      limits: limits.optional(),
      pricing: pricing.optional(),
      get subagents(): z.ZodOptional<z.ZodArray<typeof definition>> {
        return z.array(definition).min(1).optional();
      },
    })
    .strict();
  return {
    subagents: z.array(definition).min(1).optional(),
    /** How deep this run is among sub-agents: 0 when started from outside; a parent sets its child's. */
    depth: z.number().int().min(0).max(MAX_SUBAGENT_DEPTH).optional(),
    /** How deep sub-agents may nest under the top run (default DEFAULT_MAX_SUBAGENT_DEPTH). */
    maxSubagentDepth: z.number().int().min(0).max(MAX_SUBAGENT_DEPTH).optional(),
  };
}

/** The parts of the run input that sub-agent checks read. */
interface WithSubagents {
  tools?: string[] | undefined;
  subagents?: SubagentDefinition[] | undefined;
  depth?: number | undefined;
  maxSubagentDepth?: number | undefined;
}

/** Names unique and apart from the tools', at every level; nesting within the depth limit. */
export function checkSubagents(value: WithSubagents, ctx: z.RefinementCtx): void {
  const depth = value.depth ?? 0;
  const max = value.maxSubagentDepth ?? DEFAULT_MAX_SUBAGENT_DEPTH;
  if (depth > max) {
    ctx.addIssue({
      code: 'custom',
      message: `depth ${depth} is deeper than maxSubagentDepth ${max}; depth is set by a parent run for its sub-agents, leave it out`,
      path: ['depth'],
    });
    return;
  }
  checkLevel(value.tools, value.subagents, depth, max, ['subagents'], ctx);
}

function checkLevel(
  tools: string[] | undefined,
  agents: SubagentDefinition[] | undefined,
  depth: number,
  max: number,
  path: Array<string | number>,
  ctx: z.RefinementCtx,
): void {
  if (!agents) return;
  if (depth >= max) {
    ctx.addIssue({
      code: 'custom',
      message: `sub-agents nest at most ${max} levels deep (maxSubagentDepth) and these would run at depth ${depth + 1}`,
      path,
    });
    return;
  }
  const seen = new Set<string>();
  agents.forEach((agent, index) => {
    if (seen.has(agent.name) || tools?.includes(agent.name)) {
      ctx.addIssue({
        code: 'custom',
        message: `the sub-agent name "${agent.name}" is already taken by ${seen.has(agent.name) ? 'another sub-agent' : 'a tool'}; each tool and sub-agent of a run needs its own name`,
        path: [...path, index, 'name'],
      });
    }
    seen.add(agent.name);
    checkLevel(agent.tools, agent.subagents, depth + 1, max, [...path, index, 'subagents'], ctx);
  });
}
