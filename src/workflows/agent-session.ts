// The `agentSession` workflow: one conversation, one per conversation ID. Each `send` runs a turn of the same
// agent loop as `agentRun` (tools, per-turn limits, approvals); `steer` adds to the turn in progress at its next
// boundary, `interrupt` stops that turn and keeps the conversation, `end` or the idle timeout close it. Between
// turns the workflow continues as new once its history is long, carrying the transcript head and its totals.
import * as wf from '@temporalio/workflow';
import { approveUpdate } from '../shared/definitions';
import { RunErrorType } from '../shared/errors';
import { ZERO_USAGE } from '../shared/result';
import {
  endSignal,
  interruptSignal,
  sendNumberQuery,
  sendUpdate,
  SessionErrorType,
  sessionStatusQuery,
  steerSignal,
} from '../shared/session-definitions';
import type {
  PinnedSession,
  SendNumberArgs,
  SessionResult,
  SessionStatus,
} from '../shared/session-definitions';
import {
  AgentCostUsd,
  AgentIteration,
  AgentModel,
  AgentStatus,
  AgentTotalTokens,
} from '../shared/search-attributes';
import { totalTokens } from './budget';
import { checkStartInput } from './checks';
import { asRunFailure } from './loop';
import { checkApproval } from './person-input';
import { appendTranscript, pinSession } from './proxies';
import { plus, subagentContext } from './subagents';
import type { PendingApproval, TurnContext } from './tool-calls';
import { checkSend, reasonOf, steerTextOf } from './session/person-input';
import { acceptCarry, invalidSession, SESSION_CARRY_KIND } from './session/state';
import type { SessionCarry } from './session/state';
import { flushRunStream } from './stream-events';
import { sessionStream } from './session/stream';
import { runTurn, sendFailure, sessionBudgetSpent } from './session/turn';
import type { SendJob, Session } from './session/turn';

/**
 * One conversation. It takes one argument, the session input (agentRun's without prompt and messages; `{}` will
 * do); a second one is only ever the state its previous run hands over on continue-as-new.
 */
export async function agentSession(rawInput: unknown, ...handedOver: unknown[]): Promise<SessionResult> {
  const carried = acceptCarry(handedOver);
  // Filled once pinned; the handlers go in first so that the send that started the session (update-with-start)
  // finds them in the first workflow task.
  let session: Session | undefined = carried ? fromCarry(carried) : undefined;
  let failed: unknown;
  const queue: SendJob[] = [];
  let sends = carried?.sends ?? 0;
  const steers: string[] = [];
  let endRequested: string | undefined;
  registerHandlers({
    session: () => session,
    failed: () => failed,
    queue,
    nextSend: () => {
      sends += 1;
      if (session) session.sends = sends;
      return sends;
    },
    steer: (text) => (session ? session.steers.push(text) : steers.push(text)),
    end: (reason) => {
      endRequested ??= reason;
      if (session) session.endRequested ??= reason;
      session?.current?.scope.cancel();
    },
  });

  if (!session) {
    try {
      checkStartInput(rawInput);
      session = fresh(
        await pinSession({ input: rawInput }).catch((err: unknown) => {
          throw asRunFailure(err);
        }),
      );
    } catch (err) {
      failed =
        err instanceof wf.ApplicationFailure && err.type === RunErrorType.InvalidAgentInput
          ? recast(err)
          : sendFailure(err);
      for (const job of queue.splice(0)) settle(job, failed);
      await wf.condition(wf.allHandlersFinished);
      throw failed;
    }
    session.steers.push(...steers);
    if (endRequested !== undefined) session.endRequested = endRequested;
  }
  session.queue = queue;
  session.sends = sends;
  publish(session, 'idle');

  const s = session;
  try {
    for (;;) {
      const idleLeft = s.session.idleTimeoutMs - (Date.now() - s.idleSince);
      const woke = await wf.condition(
        () => s.queue.length > 0 || s.endRequested !== undefined,
        Math.max(1, idleLeft),
      );
      if (s.endRequested !== undefined) break;
      if (!woke) {
        s.endRequested = `idle for ${Math.round(s.session.idleTimeoutMs / 1000)}s (session.idleTimeoutSeconds)`;
        break;
      }
      const job = s.queue.shift() as SendJob;
      publish(s, 'running');
      await runTurn(s, job);
      s.idleSince = Date.now();
      const spent = sessionBudgetSpent(s);
      if (spent) {
        s.endRequested ??= spent.reason ?? 'the session budget is spent';
        break;
      }
      publish(s, 'idle');
      if (shouldContinueAsNew(s)) {
        // Sends being handled finish first (their callers get their results); a send that comes meanwhile is
        // taken instead, and the hand-over waits for the next boundary.
        await wf.condition(
          () => wf.allHandlersFinished() || s.queue.length > 0 || s.endRequested !== undefined,
        );
        if (s.queue.length === 0 && s.endRequested === undefined) {
          await flushRunStream(s.turn.stream, s.plan);
          return wf.continueAsNew<typeof agentSession>(rawInput, toCarry(s, sends));
        }
      }
    }
  } catch (err) {
    // Temporal's cancel request (`temporal workflow cancel`) closes the conversation like the end signal.
    if (!wf.isCancellation(err)) throw err;
    s.endRequested ??= 'the workflow was cancelled';
  }
  return close(s, sends);
}

// Closing: sends still waiting are refused, the last tool results are stored (so every stored tool call has
// its result) and the session's result is returned once every handler has finished.
async function close(s: Session, sends: number): Promise<SessionResult> {
  s.endReason = s.endRequested ?? 'ended';
  s.sends = sends;
  for (const job of s.queue.splice(0))
    settle(job, ended(s.endReason, 'before this message was sent to the model'));
  if (s.pending.length > 0) {
    const pending = s.pending;
    s.head = await wf.CancellationScope.nonCancellable(() =>
      appendTranscript({ head: s.head, append: pending }),
    );
    s.messages += pending.length;
    s.pending = [];
  }
  await wf.CancellationScope.nonCancellable(() => wf.condition(wf.allHandlersFinished));
  publish(s, 'ended');
  wf.log.info('session ended', { reason: s.endReason, sends, modelCalls: s.modelCalls });
  return {
    endReason: s.endReason,
    sends,
    modelCalls: s.modelCalls,
    usage: s.usage,
    costUsd: s.costUsd,
    transcript: { head: s.head, messages: s.messages },
  };
}

interface HandlerContext {
  session: () => Session | undefined;
  failed: () => unknown;
  queue: SendJob[];
  nextSend: () => number;
  steer: (text: string) => void;
  end: (reason: string) => void;
}

function registerHandlers(ctx: HandlerContext): void {
  const turnOf = (): TurnContext | undefined => ctx.session()?.turn;
  // Each accepted send's number by update ID, for the sendNumber query. Kept in memory only (replay rebuilds it
  // from the updates in history, and a continue-as-new does not carry it): a send is asked of the run that took it.
  const sendNumbers = new Map<string, number>();
  wf.setHandler(
    sendUpdate,
    async (args) => {
      const job: SendJob = { send: ctx.nextSend(), content: checkSend(args), done: false };
      const updateId = wf.currentUpdateInfo()?.id;
      if (updateId !== undefined) sendNumbers.set(updateId, job.send);
      ctx.queue.push(job);
      await wf.condition(() => job.done);
      if (job.error !== undefined) throw job.error;
      return job.result as NonNullable<SendJob['result']>;
    },
    {
      // A refused update never reaches history: a closed session or a malformed message is turned away here.
      validator: (args) => {
        const failed = ctx.failed();
        if (failed !== undefined) throw failed;
        const s = ctx.session();
        if (s?.endReason !== undefined || s?.endRequested !== undefined)
          throw ended(s.endReason ?? s.endRequested ?? 'ended', 'it takes no more messages');
        checkSend(args);
      },
    },
  );
  wf.setHandler(steerSignal, (args) => {
    const text = steerTextOf(args);
    if (text === undefined) {
      wf.log.warn('steer ignored: it takes { text } with a non-blank string of at most the send size');
      return;
    }
    ctx.steer(text);
  });
  wf.setHandler(interruptSignal, (args) => {
    const current = ctx.session()?.current;
    if (!current) {
      wf.log.info('interrupt ignored: no turn is in progress');
      return;
    }
    current.interruptReason ??= `interrupted: ${reasonOf(args, 'by the interrupt signal')}`;
    current.scope.cancel();
  });
  wf.setHandler(endSignal, (args) => ctx.end(reasonOf(args, 'ended by the end signal')));
  wf.setHandler(sessionStatusQuery, (): SessionStatus => status(ctx.session(), ctx.failed()));
  wf.setHandler(sendNumberQuery, (args) => {
    // Queries come from any client: a missing or malformed argument gets null, not a failed query.
    const updateId = (args as Partial<SendNumberArgs> | undefined)?.updateId;
    return typeof updateId === 'string' ? (sendNumbers.get(updateId) ?? null) : null;
  });
  wf.setHandler(
    approveUpdate,
    (args) => {
      const approvals = turnOf()?.approvals ?? new Map<string, PendingApproval>();
      const decision = checkApproval(args, approvals);
      const pending = approvals.get(decision.toolUseId) as PendingApproval;
      pending.decision = decision;
      return `${decision.approved ? 'approved' : 'rejected'} ${pending.name} (${decision.toolUseId})`;
    },
    {
      validator: (args) => {
        checkApproval(args, turnOf()?.approvals ?? new Map());
      },
    },
  );
}

function status(s: Session | undefined, failed: unknown): SessionStatus {
  const turn = s?.current?.state;
  const usage = s ? (turn ? plus(s.usage, turn.usage) : s.usage) : ZERO_USAGE;
  return {
    state: s?.endReason !== undefined || failed !== undefined ? 'ended' : s?.current ? 'running' : 'idle',
    sends: s?.sends ?? 0,
    ...(s?.endReason !== undefined ? { endReason: s.endReason } : {}),
    ...(failed !== undefined ? { endReason: (failed as Error).message } : {}),
    model: s?.plan.model ?? '',
    usage,
    costUsd: (s?.costUsd ?? 0) + (turn?.costUsd ?? 0),
    approvalsWaiting: [...(s?.turn.approvals.values() ?? [])].map(({ toolUseId, name, input }) => ({
      toolUseId,
      name,
      input,
    })),
    toolsRunning: [...(s?.turn.running.values() ?? [])],
    transcript: { head: turn?.head ?? s?.head ?? null, messages: turn?.messages ?? s?.messages ?? 0 },
  };
}

function fresh(pinned: PinnedSession): Session {
  return fromCarry({
    kind: SESSION_CARRY_KIND,
    fromRunId: '',
    run: { plan: pinned.run.plan, tools: pinned.run.tools, pinned: pinned.run.pinned },
    session: pinned.session,
    head: pinned.run.head,
    messages: pinned.run.messages,
    pending: [],
    steers: [],
    sends: 0,
    modelCalls: 0,
    usage: ZERO_USAGE,
    costUsd: 0,
    idleSince: Date.now(),
  });
}

function fromCarry({ kind: _k, fromRunId: _f, streamTurn, ...carry }: SessionCarry): Session {
  const plan = carry.run.plan;
  const turn: TurnContext = {
    tools: new Map(carry.run.tools.map((tool) => [tool.name, tool])),
    maxToolCallsPerTurn: plan.limits.maxToolCallsPerTurn,
    approvalTimeoutMs: plan.limits.approvalTimeoutSeconds * 1000,
    heartbeatTimeoutMs: plan.heartbeatTimeoutMs,
    approvals: new Map(),
    running: new Map(),
    stream: sessionStream(streamTurn ?? carry.modelCalls),
  };
  const session: Session = { ...carry, plan, turn, queue: [] };
  // Sub-agents share what the turn in progress has left of its per-turn budgets.
  const subagents = subagentContext(plan, () => session.current?.state ?? { usage: ZERO_USAGE, costUsd: 0 });
  if (subagents) turn.subagents = subagents;
  return session;
}

function toCarry(s: Session, sends: number): SessionCarry {
  return {
    kind: SESSION_CARRY_KIND,
    fromRunId: wf.workflowInfo().runId,
    run: s.run,
    session: s.session,
    head: s.head,
    messages: s.messages,
    pending: s.pending,
    steers: s.steers,
    sends,
    modelCalls: s.modelCalls,
    ...(s.turn.stream ? { streamTurn: s.turn.stream.turn } : {}),
    usage: s.usage,
    costUsd: s.costUsd,
    idleSince: s.idleSince,
  };
}

// Temporal suggests continuing as new before a history grows too large; the plan's limit lets a deployment
// (and the tests) choose a smaller bound.
function shouldContinueAsNew(s: Session): boolean {
  const info = wf.workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= s.plan.limits.historyEventsBeforeContinueAsNew;
}

function settle(job: SendJob, error: unknown): void {
  job.error = error;
  job.done = true;
}

function ended(reason: string, what: string): wf.ApplicationFailure {
  return wf.ApplicationFailure.create({
    type: SessionErrorType.SessionEnded,
    nonRetryable: true,
    message: `This session has ended (${reason}); ${what}. Open a new session with another ID to go on.`,
  });
}

// The input check of the start argument speaks of runs; a session's caller should read "session".
function recast(err: wf.ApplicationFailure): wf.ApplicationFailure {
  const problems = (err.details?.[0] as { problems?: string[] } | undefined)?.problems ?? [err.message];
  return invalidSession(problems);
}

function publish(s: Session, state: SessionStatus['state']): void {
  wf.upsertSearchAttributes([
    { key: AgentStatus, value: state },
    { key: AgentIteration, value: s.modelCalls },
    { key: AgentTotalTokens, value: totalTokens(s.usage) },
    { key: AgentCostUsd, value: s.costUsd },
    { key: AgentModel, value: s.plan.model },
  ]);
  wf.setCurrentDetails(
    [
      `**session ${state}** · ${s.sends} sends · ${s.modelCalls} model calls`,
      `tokens ${totalTokens(s.usage)} · cost $${s.costUsd.toFixed(4)}`,
      ...(s.endReason !== undefined ? [`ended: ${s.endReason}`] : []),
    ].join('\n\n'),
  );
}
