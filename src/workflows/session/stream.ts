// A conversation's part of its event stream. The loop writes each turn's deltas, tool and turn events as it does
// for a run; the session adds one `run_finished` per send (numbered with the send) and keeps model-call numbers
// rising over the whole conversation, even across a call that was cut short, because readers tell a retried
// model call from a new one by its `turn` alone.
import * as wf from '@temporalio/workflow';
import type { RunFinishedEvent } from '../../shared/stream-events';
import type { SendResult } from '../../shared/session-definitions';
import type { RunPlan } from '../../shared/run-plan';
import { runFinishedEvent } from '../../shared/stream-events';
import { newRunStream, publishStreamEvents } from '../stream-events';
import type { RunStream } from '../stream-events';

/** A session's stream state; `lastTurn` is the highest model-call number already used (carried on continue-as-new). */
export function sessionStream(lastTurn: number): RunStream {
  return { ...newRunStream(), turn: lastTurn };
}

/**
 * The model-call number the next turn counts from. A call that was interrupted or failed is not in
 * `modelCalls` (it was not paid for), yet it may have streamed text under its number: the next call must not
 * reuse that number, or a reader would join the two answers as one.
 */
export function callsBefore(modelCalls: number, stream: RunStream | undefined): number {
  return Math.max(modelCalls, stream?.turn ?? 0);
}

/** The `run_finished` of a send that failed: status `failed` with the failure's type and message. */
function failedSendEvent(error: unknown, send: number): RunFinishedEvent {
  const type = error instanceof wf.ApplicationFailure ? (error.type ?? 'Error') : 'Error';
  return {
    type: 'run_finished',
    status: 'failed',
    text: '',
    error: { type, message: error instanceof Error ? error.message : String(error) },
    send,
  };
}

/**
 * Publishes what the send's turn left pending and the send's `run_finished`, before the send's caller gets its
 * answer: once `send` returns, its stream holds everything about it.
 */
export async function publishSendEnd(
  stream: RunStream | undefined,
  plan: RunPlan,
  send: number,
  outcome: { result: SendResult } | { error: unknown },
): Promise<void> {
  if (!stream) return;
  const end =
    'result' in outcome ? runFinishedEvent(outcome.result, send) : failedSendEvent(outcome.error, send);
  await publishStreamEvents([...stream.pending.splice(0), end], plan);
}
