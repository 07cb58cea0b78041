// Why two histories differ, from their events: events are grouped by what wrote them (an activity by its role
// or name, with the workflow task its result starts; search-attribute upserts; other workflow tasks), counted
// per turn, and the groups one side has more of are named with what they are for. Only groups the measurement
// shows are named; the sentences below say what an event group is, never how many there are.
import type { temporal } from '@temporalio/proto';
import { activityTypes, eventTypeName } from './history';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** What each group of events is for, where the group alone does not say it. */
const PURPOSE: Record<string, string> = {
  'search-attribute upserts':
    'durable-agent upserts its search attributes (status, iteration, tokens, cost, model: ' +
    'src/workflows/visibility.ts) when one of them changes, which is what lets `temporal workflow list` and the ' +
    'Web UI filter and sort runs by them',
  'fitContext activity':
    "the context check counts the transcript's tokens once the run nears the model's context window " +
    '(src/workflows/compaction.ts), to compact before a request would be too long',
  'pinRun activity':
    "the run's plan (model, tools, limits) is pinned once at its start, so replay never recomputes it",
  'storeToolCalls activity': "the run's tool-call ledger is stored at its end",
  'publishEvents activity': "the run's live event stream is ended at its end",
};

/** What an activity of this name is for, when it is one of durable-agent's bookkeeping activities. */
export function activityPurpose(activity: string): string | undefined {
  return PURPOSE[`${activity} activity`];
}

/** The group of an event that is not an activity's or a workflow task's. */
function otherGroup(event: HistoryEvent): string {
  const type = eventTypeName(event);
  return type === 'UpsertWorkflowSearchAttributes' ? 'search-attribute upserts' : type;
}

/** The workflow task events' scheduling event id, for started, completed, failed and timed-out tasks. */
function workflowTaskOf(event: HistoryEvent): string | undefined {
  const id =
    event.workflowTaskStartedEventAttributes?.scheduledEventId ??
    event.workflowTaskCompletedEventAttributes?.scheduledEventId ??
    event.workflowTaskFailedEventAttributes?.scheduledEventId ??
    event.workflowTaskTimedOutEventAttributes?.scheduledEventId;
  return id === undefined || id === null ? undefined : String(id);
}

/**
 * Events per turn of each group, over a whole history of `turns` turns. An activity's group holds its own
 * events and the workflow task its result starts (the task scheduled right after it completes), so an extra
 * activity counts with the workflow task it costs; `roles` renames activities, e.g. `{ callClaude: 'model call' }`.
 */
export function eventGroups(
  events: HistoryEvent[],
  turns: number,
  roles: Record<string, string>,
): Map<string, number> {
  const types = activityTypes(events);
  const taskGroups = new Map<string, string>();
  const groups = new Map<string, number>();
  let previous: HistoryEvent | undefined;
  for (const event of events) {
    const activity = types.get(event);
    let group: string;
    if (activity) group = `${roles[activity] ?? activity} activity`;
    else if (event.workflowTaskScheduledEventAttributes) {
      const after =
        previous && !previous.activityTaskScheduledEventAttributes ? types.get(previous) : undefined;
      group = after ? `${roles[after] ?? after} activity` : 'other workflow tasks';
      taskGroups.set(String(event.eventId), group);
    } else {
      const task = workflowTaskOf(event);
      group = task === undefined ? otherGroup(event) : (taskGroups.get(task) ?? 'other workflow tasks');
    }
    groups.set(group, (groups.get(group) ?? 0) + 1 / turns);
    previous = event;
  }
  return groups;
}

/** A group of events one side has more of per turn than the other, and what it is for when known. */
export interface ExtraGroup {
  group: string;
  /** Events a turn more. */
  more: number;
  purpose?: string;
}

/** The groups `mine` has more events of per turn than `theirs`, largest first. */
export function extraEvents(mine: Map<string, number>, theirs: Map<string, number>): ExtraGroup[] {
  return [...mine]
    .map(([group, perTurn]) => ({ group, more: perTurn - (theirs.get(group) ?? 0) }))
    .filter((g) => g.more >= 0.05)
    .sort((a, b) => b.more - a.more)
    .map((g) => {
      const purpose = PURPOSE[g.group];
      return purpose ? { ...g, purpose } : g;
    });
}

/** `search-attribute upserts (1.06 a turn), workflow tasks (0.29)`: the extra groups in short. */
export function listExtra(extra: ExtraGroup[]): string {
  return extra.map((g, i) => `${g.group} (${g.more.toFixed(2)}${i === 0 ? ' a turn' : ''})`).join(', ');
}

/** `12 events a turn: 3.0 model call activity, …`: one side's events per turn by group. */
export function describeGroups(groups: Map<string, number>): string {
  const total = [...groups.values()].reduce((a, b) => a + b, 0);
  return `${total.toFixed(1)} (${[...groups]
    .sort((a, b) => b[1] - a[1])
    .map(([g, n]) => `${n.toFixed(2)} ${g}`)
    .join(', ')})`;
}
