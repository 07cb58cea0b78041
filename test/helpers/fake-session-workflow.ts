// A stand-in `agentSession` workflow for the chat page's test: it speaks the session contract (send, status,
// approve, interrupt, end) and records what the page sent, while the test writes the events the page shows.
// Workflow code: only @temporalio/workflow and the shared definitions.
import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';
import { approveUpdate } from '../../src/shared/definitions';
import type { ApproveArgs } from '../../src/shared/definitions';
import {
  endSignal,
  interruptSignal,
  sendUpdate,
  sessionStatusQuery,
  steerSignal,
} from '../../src/shared/session-definitions';
import type { SendResult, SessionStatus } from '../../src/shared/session-definitions';

type Waiting = SessionStatus['approvalsWaiting'][number];

/** Test signal: a call of the turn now waits for a person. */
export const waitForApprovalSignal = defineSignal<[Waiting]>('testWaitForApproval');
/** Test signal: the turn in progress ends. */
export const finishTurnSignal = defineSignal('testFinishTurn');
/** Test query: what the page sent. */
export const receivedQuery = defineQuery<{
  messages: string[];
  decisions: ApproveArgs[];
  interrupts: number;
  steers: string[];
}>('testReceived');

/** The stand-in session. */
export async function agentSession(): Promise<void> {
  let sends = 0;
  let finished = 0;
  let ended = false;
  const messages: string[] = [];
  const steers: string[] = [];
  const decisions: ApproveArgs[] = [];
  let interrupts = 0;
  let waiting: Waiting[] = [];

  setHandler(sendUpdate, async (args) => {
    const send = ++sends;
    messages.push('text' in args ? args.text : JSON.stringify(args.content));
    await condition(() => finished >= send);
    return { send } as SendResult;
  });
  setHandler(
    approveUpdate,
    (args) => {
      const call = waiting.find((w) => w.toolUseId === args.toolUseId)!;
      waiting = waiting.filter((w) => w !== call);
      decisions.push(args);
      return `${args.approved ? 'approved' : 'rejected'} ${call.name}`;
    },
    {
      validator: (args) => {
        if (!waiting.some((w) => w.toolUseId === args.toolUseId))
          throw new Error(`No tool call ${args.toolUseId} is waiting for approval in this session.`);
      },
    },
  );
  setHandler(
    sessionStatusQuery,
    () =>
      ({
        state: ended ? 'ended' : finished < sends ? 'running' : 'idle',
        sends,
        model: 'claude-sonnet-4-6',
        usage: { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
        costUsd: 0,
        approvalsWaiting: waiting,
        toolsRunning: [],
        transcript: { head: null },
      }) as unknown as SessionStatus,
  );
  setHandler(receivedQuery, () => ({ messages, decisions, interrupts, steers }));
  setHandler(waitForApprovalSignal, (call) => void waiting.push(call));
  setHandler(finishTurnSignal, () => void finished++);
  setHandler(interruptSignal, () => void interrupts++);
  setHandler(steerSignal, ({ text }) => void steers.push(text));
  setHandler(endSignal, () => void (ended = true));
  await condition(() => ended && finished >= sends);
}
