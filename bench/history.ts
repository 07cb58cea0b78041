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
  return eventsByTurn(events, modelActivity).map((turn) => turn.reduce((sum, e) => sum + eventBytes(e), 0));
}

/** Milliseconds since the epoch of an event. */
export function eventTime(event: HistoryEvent): number {
  const t = event.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6) : NaN;
}

/** `ActivityTaskScheduled` for EVENT_TYPE_ACTIVITY_TASK_SCHEDULED. */
export function eventTypeName(event: HistoryEvent): string {
  const name = EventType[event.eventType ?? 0] ?? 'EVENT_TYPE_UNKNOWN';
  return name
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/** Activity type of every activity event (scheduled, started, completed, failed, timed out), by event. */
export function activityTypes(events: HistoryEvent[]): Map<HistoryEvent, string> {
  const bySchedule = new Map<string, string>();
  const types = new Map<HistoryEvent, string>();
  for (const event of events) {
    const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) {
      bySchedule.set(String(event.eventId), name);
      types.set(event, name);
      continue;
    }
    const scheduledId =
      event.activityTaskStartedEventAttributes?.scheduledEventId ??
      event.activityTaskCompletedEventAttributes?.scheduledEventId ??
      event.activityTaskFailedEventAttributes?.scheduledEventId ??
      event.activityTaskTimedOutEventAttributes?.scheduledEventId ??
      event.activityTaskCancelRequestedEventAttributes?.scheduledEventId ??
      event.activityTaskCanceledEventAttributes?.scheduledEventId;
    const type =
      scheduledId === undefined || scheduledId === null ? undefined : bySchedule.get(String(scheduledId));
    if (type) types.set(event, type);
  }
  return types;
}

/** The events of each turn: from the scheduling of a model call (`modelActivity`) to the next one. */
export function eventsByTurn(events: HistoryEvent[], modelActivity: string): HistoryEvent[][] {
  const turns: HistoryEvent[][] = [];
  for (const event of events) {
    if (event.activityTaskScheduledEventAttributes?.activityType?.name === modelActivity) turns.push([]);
    turns[turns.length - 1]?.push(event);
  }
  return turns;
}

/** Events of one kind: an event type, with the activity's type for activity events. */
export interface EventKind {
  label: string;
  count: number;
  bytes: number;
}

/** Count and encoded bytes of each kind of event among `events`, largest first; `types` from activityTypes. */
export function eventKinds(events: HistoryEvent[], types: Map<HistoryEvent, string>): EventKind[] {
  const kinds = new Map<string, EventKind>();
  for (const event of events) {
    const activity = types.get(event);
    const label = `${eventTypeName(event)}${activity ? ` (${activity})` : ''}`;
    const kind = kinds.get(label) ?? { label, count: 0, bytes: 0 };
    kind.count += 1;
    kind.bytes += eventBytes(event);
    kinds.set(label, kind);
  }
  return [...kinds.values()].sort((a, b) => b.bytes - a.bytes);
}

/** What the bytes of some events are made of, roughly (strings without their protobuf field tags). */
export interface EventParts {
  total: number;
  /** Payloads: activity inputs and results, workflow input, search attribute values (data and metadata). */
  payloads: number;
  /** Worker identities and build IDs that workflow and activity tasks record. */
  identities: number;
  /** Task queue names: the run's queue, its model-call queue, the worker's sticky queue. */
  queues: number;
}

const IDENTITY_KEYS = new Set(['identity', 'binaryChecksum', 'buildId']);

function addParts(value: unknown, key: string, parentKey: string, parts: EventParts): void {
  if (value instanceof Uint8Array) {
    parts.payloads += value.length;
    return;
  }
  if (typeof value === 'string') {
    const bytes = Buffer.byteLength(value);
    if (IDENTITY_KEYS.has(key)) parts.identities += bytes;
    else if (parentKey === 'taskQueue' && (key === 'name' || key === 'normalName')) parts.queues += bytes;
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) addParts(item, key, parentKey, parts);
    return;
  }
  if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) addParts(v, k, key, parts);
}

/** Splits the encoded bytes of `events` into payloads, worker identities, task queue names and the rest. */
export function eventParts(events: HistoryEvent[]): EventParts {
  const parts: EventParts = { total: 0, payloads: 0, identities: 0, queues: 0 };
  for (const event of events) {
    parts.total += eventBytes(event);
    addParts(event, '', '', parts);
  }
  return parts;
}
