// One turn of a conversation: the user's message (with any steer that came before) goes to the same agent loop
// as a run's, with the run's per-turn limits; the conversation's totals, steering and interrupts hook into it.
import * as wf from '@temporalio/workflow';
import { RunErrorType } from '../../shared/errors';
import type { ContentBlock } from '../../shared/messages';
import type { RunPlan } from '../../shared/run-plan';
import type { SendResult } from '../../shared/session-definitions';
import { totalTokens } from '../budget';
import { storeCalls } from '../ledger';
import { asRunFailure, loop } from '../loop';
import { assemble, freshState } from '../run-state';
import { plus } from '../subagents';
import type { Ending, RunState } from '../run-state';
import type { TurnContext } from '../tool-calls';
import { keepToolResults, withUserContent } from './messages';
import type { SessionCarry } from './state';
import { callsBefore, publishSendEnd } from './stream';

/** A send waiting for its turn, and how it ended. */
export interface SendJob {
  send: number;
  content: ContentBlock[];
  done: boolean;
  result?: SendResult;
  error?: unknown;
}

/** The turn in progress: its loop state, and the scope that `interrupt` and `end` cancel. */
interface CurrentTurn {
  state: RunState;
  scope: wf.CancellationScope;
  interruptReason?: string;
}

/** What the conversation's workflow keeps while it runs: the carried state, and what lives only as long as a run. */
export interface Session extends Omit<SessionCarry, 'kind' | 'fromRunId'> {
  plan: RunPlan;
  turn: TurnContext;
  queue: SendJob[];
  current?: CurrentTurn | undefined;
  /** Set by the end signal (or Temporal's cancel request); the session closes at once. */
  endRequested?: string;
  /** Set once the session has ended; sends are refused from then on. */
  endReason?: string;
}

/** Why the conversation's own budget stops the next model call, or undefined while it has some left. */
export function sessionBudgetSpent(session: Session, turn?: RunState): Ending | undefined {
  const usage = turn ? plus(session.usage, turn.usage) : session.usage;
  const cost = session.costUsd + (turn?.costUsd ?? 0);
  const { maxTotalTokens, maxCostUsd } = session.session;
  const tokens = totalTokens(usage);
  if (maxTotalTokens !== undefined && tokens >= maxTotalTokens)
    return {
      status: 'budget_exceeded',
      reason: `the session spent ${tokens} tokens; its budget session.maxTotalTokens is ${maxTotalTokens}`,
    };
  if (maxCostUsd !== undefined && cost >= maxCostUsd)
    return {
      status: 'budget_exceeded',
      reason: `the session spent $${cost.toFixed(6)}; its budget session.maxCostUsd is $${maxCostUsd}`,
    };
  return undefined;
}

/** Runs one send's turn and settles its job: a result, or the turn's typed failure. The session goes on either way. */
export async function runTurn(session: Session, job: SendJob): Promise<void> {
  const state: RunState = {
    ...freshState(),
    plan: session.plan,
    tools: session.run.tools,
    pinned: session.run.pinned,
    head: session.head,
    messages: session.messages,
    pending: withUserContent(session.pending, job.content),
  };
  const current: CurrentTurn = { state, scope: new wf.CancellationScope() };
  session.current = current;
  let ending: Ending | undefined;
  let failure: unknown;
  try {
    const ended = await current.scope.run(() =>
      loop(state, session.plan, session.turn, false, {
        callsBefore: callsBefore(session.modelCalls, session.turn.stream),
        beforeModelCall: (turn) => {
          const spent = sessionBudgetSpent(session, turn);
          if (spent) return spent;
          // The boundary steers wait for: after the tool results, before the model sees them.
          if (session.steers.length > 0) {
            turn.pending = withUserContent(
              turn.pending,
              session.steers.map((text) => ({ type: 'text', text })),
            );
            session.steers = [];
          }
          return undefined;
        },
      }),
    );
    // Without canContinueAsNew the loop only ever returns an ending.
    ending = ended as Ending;
  } catch (err) {
    if (wf.isCancellation(err))
      ending = {
        status: 'cancelled',
        reason: current.interruptReason ?? session.endRequested ?? 'the workflow was cancelled',
      };
    else failure = sendFailure(err);
  } finally {
    session.current = undefined;
  }
  // Once counted, the turn's tool calls reach the store, even while the session is being cancelled.
  await wf.CancellationScope.nonCancellable(() => storeCalls(state.ledger, true));
  session.head = state.head;
  session.messages = state.messages;
  session.pending = failure === undefined ? state.pending : keepToolResults(state.pending);
  session.modelCalls += state.iterations;
  session.usage = plus(session.usage, state.usage);
  session.costUsd += state.costUsd;
  if (ending) job.result = { ...assemble(state, ending), send: job.send };
  else job.error = failure;
  await publishSendEnd(
    session.turn.stream,
    session.plan,
    job.send,
    job.result ? { result: job.result } : { error: job.error },
  );
  job.done = true;
}

/**
 * A send's failure as an ApplicationFailure with a type: anything else thrown out of an update handler would fail
 * the workflow task (and wedge the session) instead of the one send.
 */
export function sendFailure(err: unknown): wf.ApplicationFailure {
  const failure = asRunFailure(err);
  if (failure instanceof wf.ApplicationFailure) return failure;
  return wf.ApplicationFailure.create({
    type: RunErrorType.ActivityFailed,
    nonRetryable: true,
    message: `The turn failed: ${failure instanceof Error ? failure.message : String(failure)}. If the session goes on, send again to retry.`,
    ...(failure instanceof Error ? { cause: failure } : {}),
  });
}
