// What a healthy worker under load must not show, read from the runs' histories: heartbeat timeouts (each one
// repeats a paid model call or a tool call), other retried attempts, and sticky-queue timeouts (a workflow task
// that waited too long for its worker). Also how close it came: the longest schedule-to-start of a workflow
// task, and the worker's event-loop delay, which is what a heartbeat timer waits behind.
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { eventTime } from './history';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Failure = temporal.api.failure.v1.IFailure;
const { TimeoutType } = temporal.api.enums.v1;

/** Counts over a set of runs' histories. */
export interface RunHealth {
  /** Activities the runs scheduled (model calls, tool calls, pinning and message-store writes). */
  activities: number;
  /** Activity attempts that ended because no heartbeat came within the heartbeat timeout. */
  heartbeatTimeouts: number;
  /** Activity attempts retried for any other reason (errors, other timeouts). */
  otherRetries: number;
  /** Workflow tasks that timed out waiting on a worker's sticky queue and went to the normal queue. */
  stickyTimeouts: number;
  /** The longest wait of a workflow task after the run's first (those go to the worker's sticky queue), in ms. */
  maxWorkflowTaskWaitMs: number;
}

function isHeartbeatTimeout(failure: Failure | null | undefined): boolean {
  for (let f = failure; f; f = f.cause) {
    if (f.timeoutFailureInfo?.timeoutType === TimeoutType.TIMEOUT_TYPE_HEARTBEAT) return true;
  }
  return false;
}

/**
 * Reads the health counts of one history. A retried activity has one started event, written when its last
 * attempt ends, carrying that attempt's number and the failure of the attempt before; an activity that ran out
 * of attempts ends with a timed-out or failed event instead.
 */
function runHealth(events: HistoryEvent[]): RunHealth {
  const health: RunHealth = {
    activities: 0,
    heartbeatTimeouts: 0,
    otherRetries: 0,
    stickyTimeouts: 0,
    maxWorkflowTaskWaitMs: 0,
  };
  let scheduledAt: number | undefined;
  let tasks = 0;
  for (const event of events) {
    if (event.activityTaskScheduledEventAttributes) health.activities++;
    const started = event.activityTaskStartedEventAttributes;
    if (started && (started.attempt ?? 1) > 1) {
      if (isHeartbeatTimeout(started.lastFailure)) health.heartbeatTimeouts++;
      else health.otherRetries++;
    }
    if (isHeartbeatTimeout(event.activityTaskTimedOutEventAttributes?.failure)) health.heartbeatTimeouts++;
    const taskTimedOut = event.workflowTaskTimedOutEventAttributes;
    if (taskTimedOut?.timeoutType === TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START) health.stickyTimeouts++;
    if (event.workflowTaskScheduledEventAttributes) scheduledAt = eventTime(event);
    // A run's first task waits on the normal queue behind every run started with it; later ones are sticky.
    if (event.workflowTaskStartedEventAttributes && scheduledAt !== undefined && ++tasks > 1) {
      health.maxWorkflowTaskWaitMs = Math.max(health.maxWorkflowTaskWaitMs, eventTime(event) - scheduledAt);
      scheduledAt = undefined;
    }
  }
  return health;
}

/** The health counts of many runs, their histories fetched a few at a time. */
export async function runsHealth(client: Client, workflowIds: string[]): Promise<RunHealth> {
  const total = runHealth([]);
  const queue = [...workflowIds];
  const fetchOne = async (): Promise<void> => {
    for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
      const { events } = await client.workflow.getHandle(id).fetchHistory();
      const one = runHealth(events ?? []);
      total.activities += one.activities;
      total.heartbeatTimeouts += one.heartbeatTimeouts;
      total.otherRetries += one.otherRetries;
      total.stickyTimeouts += one.stickyTimeouts;
      total.maxWorkflowTaskWaitMs = Math.max(total.maxWorkflowTaskWaitMs, one.maxWorkflowTaskWaitMs);
    }
  };
  await Promise.all(Array.from({ length: 8 }, fetchOne));
  return total;
}

/** The event-loop delay of this process while `work` runs: its 99th percentile and its maximum, in ms. */
export async function withLoopDelay<T>(
  work: () => Promise<T>,
): Promise<{ result: T; p99Ms: number; maxMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    const result = await work();
    return { result, p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}

// Linux reports process times in clock ticks of 1/100 s (USER_HZ, 100 on every mainstream build).
const TICKS_PER_SECOND = 100;

/** CPU milliseconds (user + system) a process has used so far, from /proc; undefined off Linux. */
function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** CPU milliseconds the server process and this process (workers, fake Claude, bench) use while `work` runs. */
export async function withCpu<T>(
  serverPid: number | undefined,
  work: () => Promise<T>,
): Promise<{ result: T; serverMs: number; benchMs: number }> {
  const server = processCpuMs(serverPid);
  const bench = process.cpuUsage();
  const result = await work();
  const used = process.cpuUsage(bench);
  const serverAfter = processCpuMs(serverPid);
  return {
    result,
    serverMs: server === undefined || serverAfter === undefined ? NaN : serverAfter - server,
    benchMs: (used.user + used.system) / 1000,
  };
}
