// Histories of runs as the server stores them, measured the way the integration tests do: each run of a
// continue-as-new chain fetched and encoded with temporal.api.history.v1.History.encode.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const { EventType } = temporal.api.enums.v1;

/** One run of a chain. */
export interface RunHistory {
  runId: string;
  events: HistoryEvent[];
  bytes: number;
}

/** Every run of a workflow's continue-as-new chain, from its first run on. */
export async function chainHistories(client: Client, workflowId: string): Promise<RunHistory[]> {
  // The latest run's start event names the chain's first run.
  const latest = await client.workflow.getHandle(workflowId).fetchHistory();
  const started = latest.events?.[0]?.workflowExecutionStartedEventAttributes;
  const runs: RunHistory[] = [];
  let runId: string | undefined = started?.firstExecutionRunId ?? undefined;
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await client.workflow
      .getHandle(workflowId, runId)
      .fetchHistory();
    const events: HistoryEvent[] = history.events ?? [];
    runs.push({ runId, events, bytes: temporal.api.history.v1.History.encode(history).finish().length });
    const last: HistoryEvent | undefined = events[events.length - 1];
    runId =
      last?.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
        ? (last.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined)
        : undefined;
  }
  return runs;
}

/** Encoded size of one event. */
export function eventBytes(event: HistoryEvent): number {
  return temporal.api.history.v1.HistoryEvent.encode(event).finish().length;
}

/**
 * Bytes of history per turn: a turn starts with the scheduling of a model-call activity (`modelActivity`) and
 * runs to the next one. Events before the first model call (start, tool pinning) are left out.
 */
export function bytesPerTurn(events: HistoryEvent[], modelActivity: string): number[] {
  const turns: number[] = [];
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === modelActivity) turns.push(0);
    if (turns.length > 0) turns[turns.length - 1] = (turns[turns.length - 1] as number) + eventBytes(event);
  }
  return turns;
}

/** Milliseconds since the epoch of an event. */
export function eventTime(event: HistoryEvent): number {
  const t = event.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6) : NaN;
}
