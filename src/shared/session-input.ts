// The input of a conversation (`agentSession`): agentRun's input without `prompt` and `messages` (the messages
// come with each `send`), plus limits for the whole session. Validated by the pinSession activity, so zod stays
// out of the workflow bundle.
import { z } from 'zod';
import { parseAgentInput } from './input';
import type { AgentInput, ParsedAgentInput } from './input';

/** Limits over the whole conversation; the per-turn limits are agentRun's `limits`. */
export const sessionLimitsSchema = z
  .object({
    /** Tokens over every turn; once spent, the turn in progress stops and the session closes. No bound if absent. */
    maxTotalTokens: z.number().int().min(1).optional(),
    /** USD over every turn; once spent, the turn in progress stops and the session closes. No bound if absent. */
    maxCostUsd: z.number().positive().optional(),
    /** The session closes after this long without a turn running or a message waiting. */
    idleTimeoutSeconds: z
      .number()
      .positive()
      .max(365 * 24 * 60 * 60)
      .default(60 * 60),
  })
  .strict();

/** Session limits after defaults. */
export type SessionLimits = z.output<typeof sessionLimitsSchema>;

/** The one JSON argument of `agentSession` as callers write it: every field optional, so `{}` starts one. */
export type SessionInput = Omit<AgentInput, 'prompt' | 'messages'> & {
  session?: z.input<typeof sessionLimitsSchema>;
};

/** Session input after validation: the agent part (as agentRun would resolve it) and the session limits. */
export interface ParsedSessionInput {
  agent: Omit<ParsedAgentInput, 'prompt' | 'messages'>;
  session: SessionLimits;
}

// A stand-in prompt lets agentRun's schema check every shared field (and its cross-field rules) unchanged; it is
// dropped right after and never stored or sent.
const STAND_IN_PROMPT = 'session';

/** Validates session input; returns the problems (one line each) or the parsed input. */
export function parseSessionInput(
  raw: unknown,
): { ok: true; value: ParsedSessionInput } | { ok: false; problems: string[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { ok: false, problems: ['input: the session input must be a JSON object ({} starts a session)'] };
  const { session, ...rest } = raw as Record<string, unknown>;
  const problems: string[] = [];
  for (const field of ['prompt', 'messages'])
    if (field in rest)
      problems.push(
        `${field}: a session takes no ${field}; send each user message with the \`send\` update (session.send(text))`,
      );
  const limits = sessionLimitsSchema.safeParse(session ?? {});
  if (!limits.success)
    problems.push(
      ...limits.error.issues.map(
        (issue) => `session${issue.path.length > 0 ? `.${issue.path.join('.')}` : ''}: ${issue.message}`,
      ),
    );
  const { prompt: _p, messages: _m, ...agentFields } = rest;
  const agent = parseAgentInput({ ...agentFields, prompt: STAND_IN_PROMPT });
  if (!agent.ok) problems.push(...agent.problems);
  if (problems.length > 0 || !agent.ok || !limits.success) return { ok: false, problems };
  const { prompt: _sp, messages: _sm, ...parsed } = agent.value;
  return { ok: true, value: { agent: parsed, session: limits.data } };
}
