// The `agentRun` workflow: one agent run, continued as new when its history grows long. The loop itself is
// runAgent (run-agent.ts), which users' own workflows can call too.
import { continueAsNew } from '@temporalio/workflow';
import type { AgentInput } from '../shared/input';
import type { AgentResult } from '../shared/result';
import { acceptResume } from './resume';
import { runAgent } from './run-agent';

/**
 * One agent run: a Claude tool-use loop with budgets, bounded retries and durable tool calls. It takes one
 * argument, the run input; a second one is only ever the state its previous run hands over (see resume.ts).
 */
export async function agentRun(rawInput: unknown, ...handedOver: unknown[]): Promise<AgentResult> {
  const resume = acceptResume(handedOver);
  return runAgent(rawInput as AgentInput, {
    ...(resume ? { resume } : {}),
    continueAsNew: (next) => continueAsNew<typeof agentRun>(rawInput, next),
  });
}
