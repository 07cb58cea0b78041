// What a recovery is made of, as the server saw it: the dead attempt's last heartbeat, when the server gave up
// on it (its heartbeat timeout fired) and when it scheduled the next attempt (after the retry interval). History
// keeps none of these for an attempt that was retried, so the run's pending activity is read while it happens.
import type { WorkflowHandle } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';

/** Server times (ms since the epoch) of one activity's first attempt and its retry. */
export interface RetryTimeline {
  /** The first attempt's last heartbeat the server recorded (its start when it recorded none). */
  lastBeat?: number | undefined;
  /** The server ended the first attempt (the heartbeat timeout fired). */
  attemptEnded?: number | undefined;
  /** The second attempt was due: the end of the retry interval. */
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
  lastAttemptCompleteTime?: Timestamp | null;
  nextAttemptScheduleTime?: Timestamp | null;
}

const ms = (t: Timestamp | null | undefined): number | undefined =>
  t ? Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6) : undefined;

/**
 * Reads the run's pending `activityType` every `everyMs` until its second attempt is known (or `timeoutMs`
 * passes): the last heartbeat of attempt 1, then the end of attempt 1 and when attempt 2 was due.
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
    if (activity && (activity.attempt ?? 1) === 1) {
      timeline.lastBeat = ms(activity.lastHeartbeatTime) ?? ms(activity.lastStartedTime) ?? timeline.lastBeat;
    } else if (activity) {
      timeline.attemptEnded = ms(activity.lastAttemptCompleteTime);
      timeline.retryDue = ms(activity.nextAttemptScheduleTime);
      return timeline;
    } else if (timeline.lastBeat !== undefined) {
      // The retry already ran to its end between two reads.
      return timeline;
    }
    await sleep(everyMs);
  }
  return timeline;
}
