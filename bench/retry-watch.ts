// What a recovery is made of, as the server saw it: the dead attempt's last heartbeat and when the server made
// the next attempt due (its heartbeat timeout, then the retry interval). History keeps neither for an attempt
// that was retried, so the run's pending activity is read while it happens.
import type { WorkflowHandle } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';

/** Server times (ms since the epoch) of one activity's first attempt and its retry. */
export interface RetryTimeline {
  /** The first attempt's last heartbeat the server recorded, or its start when it recorded none. */
  lastBeat?: number | undefined;
  /** When the server made the second attempt due: the heartbeat timeout plus the retry interval after it. */
  retryDue?: number | undefined;
}

interface Timestamp {
  seconds?: unknown;
  nanos?: number | null;
}
interface PendingActivity {
  activityType?: { name?: string | null } | null;
  attempt?: number | null;
  lastHeartbeatTime?: Timestamp | null;
  lastStartedTime?: Timestamp | null;
  scheduledTime?: Timestamp | null;
  nextAttemptScheduleTime?: Timestamp | null;
}

const ms = (t: Timestamp | null | undefined): number | undefined =>
  t ? Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6) : undefined;

/**
 * Reads the run's pending `activityType` every `everyMs` until its second attempt is due (or `timeoutMs`
 * passes). Start it before the first attempt's worker dies: the second attempt's entry still carries the
 * first one's last heartbeat.
 */
export async function watchRetry(
  handle: WorkflowHandle,
  activityType: string,
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<RetryTimeline> {
  const timeline: RetryTimeline = {};
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const { raw } = await handle.describe();
    const pending = (raw.pendingActivities ?? []) as PendingActivity[];
    const activity = pending.find((a) => a.activityType?.name === activityType);
    // Without a beat yet, the server counts the heartbeat timeout from the attempt's start.
    if (activity && (activity.attempt ?? 1) === 1)
      timeline.lastBeat = ms(activity.lastHeartbeatTime) ?? ms(activity.lastStartedTime) ?? timeline.lastBeat;
    if (activity && (activity.attempt ?? 1) > 1) {
      timeline.lastBeat = ms(activity.lastHeartbeatTime) ?? timeline.lastBeat;
      timeline.retryDue = ms(activity.nextAttemptScheduleTime) ?? ms(activity.scheduledTime);
      return timeline;
    }
    await sleep(everyMs);
  }
  return timeline;
}
