// The workflow's part of a run's event stream: the events only the workflow knows (a turn's end, tool calls
// that never reached a tool activity, the run's end). They ride in the next model call's input, so streaming
// costs no activity per turn; only the run's end (and a continue-as-new) takes one small activity. Deltas and
// tool starts are written by the activities themselves, outside history.
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CallClaudeInput, CallClaudeOutput } from '../shared/activity-contract';
import type { AgentResult, ToolCallRecord } from '../shared/result';
import type { RunPlan } from '../shared/run-plan';
import { runFinishedEvent } from '../shared/stream-events';
import type { StreamEventBody } from '../shared/stream-events';

/** What a run keeps for its stream: the current turn, and events no activity has written yet. */
export interface RunStream {
  turn: number;
  pending: StreamEventBody[];
}

/** A run's stream state at its start. */
export function newRunStream(): RunStream {
  return { turn: 0, pending: [] };
}

/** A model call's stream fields: its turn, and the events to write before its output. */
export function modelCallStreamFields(
  stream: RunStream | undefined,
  turn: number,
): Pick<CallClaudeInput, 'turn' | 'events'> {
  if (!stream) return { turn };
  stream.turn = turn;
  const events = stream.pending.splice(0);
  return events.length > 0 ? { turn, events } : { turn };
}

/** The reply of `turn` is in; a turn without tool calls ends with it. */
export function replyReceived(
  stream: RunStream | undefined,
  turn: number,
  reply: CallClaudeOutput,
  runsTools: boolean,
): void {
  if (stream && !runsTools) stream.pending.push(turnFinished(turn, reply));
}

/**
 * The tool calls of `turn` ended: `tool_finished` for each call no tool activity reported as done (refused,
 * unknown, timed out, failed, reconciled, sub-agents), then the turn's end.
 */
export function toolsFinished(
  stream: RunStream | undefined,
  turn: number,
  reply: CallClaudeOutput,
  records: readonly ToolCallRecord[],
): void {
  if (!stream) return;
  for (const record of records) {
    if (record.status === 'succeeded' && !record.child && !record.reconciled) continue;
    stream.pending.push({
      type: 'tool_finished',
      turn,
      toolUseId: record.toolUseId,
      name: record.name,
      status: record.status,
      isError: record.status !== 'succeeded',
    });
  }
  stream.pending.push(turnFinished(turn, reply));
}

function turnFinished(turn: number, reply: CallClaudeOutput): StreamEventBody {
  return { type: 'turn_finished', turn, stopReason: reply.stopReason, usage: reply.usage };
}

const publish = wf.proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3 },
  summary: 'publish stream events',
}).publishEvents;

/**
 * Writes events to the workflow's stream through the publishEvents activity. Never fails the run: a stream is
 * for watching, the run's result does not depend on it. Runs even while the run is being cancelled. Whether
 * to call the activity is decided by the run's pinned plan, so runs pinned before streams existed replay
 * without it (a version marker would do too, but its payload bypasses the payload codecs).
 */
export async function publishStreamEvents(
  events: StreamEventBody[],
  plan: Pick<RunPlan, 'streamEvents'> | undefined,
): Promise<void> {
  if (events.length === 0 || plan?.streamEvents !== true) return;
  try {
    await wf.CancellationScope.nonCancellable(() => publish({ events }));
  } catch (err) {
    wf.log.warn('stream events could not be published; readers end from the run result instead', {
      error: (err as Error).message,
    });
  }
}

/** Publishes what is pending and the run's `run_finished`. */
export async function publishRunEnd(
  stream: RunStream | undefined,
  result: AgentResult,
  plan: RunPlan | undefined,
): Promise<void> {
  if (!stream) return;
  await publishStreamEvents([...stream.pending.splice(0), runFinishedEvent(result)], plan);
}

/** Publishes what is pending before the run continues as new (the next run starts with an empty stream state). */
export async function flushRunStream(
  stream: RunStream | undefined,
  plan: RunPlan | undefined,
): Promise<void> {
  if (stream) await publishStreamEvents(stream.pending.splice(0), plan);
}
