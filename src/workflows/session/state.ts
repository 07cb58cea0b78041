// A conversation's state: what one run of the agentSession chain hands to the next when it continues as new
// (JSON only). The state of a turn in progress is the agent loop's RunState.
import type { ApplicationFailure } from '@temporalio/workflow';
import { workflowInfo } from '@temporalio/workflow';
import type { MessageParam } from '../../shared/messages';
import type { Usage } from '../../shared/result';
import { inputFailure } from '../../shared/input-failure';
import type { PinnedRun } from '../../shared/run-plan';
import { SessionErrorType } from '../../shared/session-definitions';
import type { SessionPlan } from '../../shared/session-definitions';
import { planProblems, toolProblems } from '../checks';

/** Marks a value as session state written by this workflow. */
export const SESSION_CARRY_KIND = 'durable-agent.session.v1';

/** What one run of a conversation hands to the next when it continues as new. */
export interface SessionCarry {
  kind: typeof SESSION_CARRY_KIND;
  /** Run ID of the run that wrote it; the next run checks it against the run it continued from. */
  fromRunId: string;
  run: Omit<PinnedRun, 'head' | 'messages'>;
  session: SessionPlan;
  /** Head of the stored transcript and how many messages it holds. */
  head: string | null;
  messages: number;
  /** Messages not yet sent to the model (tool results of an interrupted turn), joined to the next send. */
  pending: MessageParam[];
  /** Steer messages that came while no turn ran; they join the next send. */
  steers: string[];
  sends: number;
  /** Model calls over every turn: model-call numbers keep rising over the whole conversation. */
  modelCalls: number;
  /** The highest model-call number the stream used (above modelCalls after a call cut short); absent before streams. */
  streamTurn?: number;
  usage: Usage;
  costUsd: number;
  /** Workflow time (ms) since when the session has been idle; the idle timeout counts from it. */
  idleSince: number;
}

/**
 * The state among the arguments after the session input, or undefined on a fresh start. As for runs
 * (resume.ts), it is accepted only from the run this one continued from: whoever starts a workflow can pass a
 * second argument too.
 */
export function acceptCarry(extra: unknown[]): SessionCarry | undefined {
  const given = extra.filter((arg) => arg !== undefined);
  if (given.length === 0) return undefined;
  const from = workflowInfo().continuedFromExecutionRunId;
  const carry = given[0] as SessionCarry;
  if (
    given.length > 1 ||
    from === undefined ||
    typeof carry !== 'object' ||
    carry === null ||
    carry.kind !== SESSION_CARRY_KIND ||
    carry.fromRunId !== from
  )
    throw invalidSession([
      'agentSession takes one argument, the session input; a second argument is accepted only from the run it continues as new. Start the session with a single input.',
    ]);
  const problems = [...planProblems(carry.run?.plan), ...toolProblems(carry.run?.tools)];
  const counts = [carry.messages, carry.sends, carry.modelCalls, carry.costUsd, carry.idleSince];
  if (!counts.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0))
    problems.push('a counter is not a number');
  if (
    carry.streamTurn !== undefined &&
    !(typeof carry.streamTurn === 'number' && Number.isSafeInteger(carry.streamTurn) && carry.streamTurn >= 0)
  )
    problems.push('streamTurn is not a model-call number');
  if (!Array.isArray(carry.pending) || !Array.isArray(carry.steers)) problems.push('pending is not a list');
  if (typeof carry.session?.idleTimeoutMs !== 'number') problems.push('session limits are missing');
  if (problems.length > 0) throw invalidSession(problems.map((p) => `session state: ${p}`));
  return carry;
}

/** The session's input failure, whether the workflow or the pinSession activity found the problem. */
export function invalidSession(problems: string[]): ApplicationFailure {
  return inputFailure(SessionErrorType.InvalidSessionInput, 'session', problems);
}
