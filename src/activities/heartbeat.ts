import type { Context } from '@temporalio/activity';

/** How often an activity heartbeats when it was given no heartbeat timeout. */
export const HEARTBEAT_INTERVAL_MS = 1_000;
/** The shortest heartbeat interval: below it, heartbeats cost more than a faster recovery is worth. */
const MIN_HEARTBEAT_INTERVAL_MS = 100;

/**
 * Half the activity's heartbeat timeout: two beats fit in each timeout, so one late beat (a busy event loop,
 * a slow flush) is not taken for a dead worker, which would repeat a paid model call.
 */
export function heartbeatInterval(heartbeatTimeoutMs: number | undefined): number {
  if (!heartbeatTimeoutMs) return HEARTBEAT_INTERVAL_MS;
  return Math.max(MIN_HEARTBEAT_INTERVAL_MS, Math.floor(heartbeatTimeoutMs / 2));
}

/**
 * Heartbeats on a timer until the returned function is called, each beat carrying `details()` when given. The
 * workflow sets short heartbeat timeouts, so a worker that dies mid-call has its call retried within seconds, not
 * after the full start-to-close timeout; heartbeats are also how an activity learns that it was cancelled.
 */
export function startHeartbeat(
  ctx: Context,
  intervalMs: number = heartbeatInterval(ctx.info.heartbeatTimeoutMs),
  details?: () => unknown,
): () => void {
  // A local activity has no heartbeat to send (the SDK drops it); its worker's liveness is the workflow task's.
  if (ctx.info.isLocal) return () => undefined;
  // No beat at once: the server counts the heartbeat timeout from the attempt's start, so the first beat is
  // as safe one interval in, and a call shorter than that costs no heartbeat at all (each one is a write of the
  // run's state on the server, which under load is what limits throughput).
  const timer = setInterval(() => (details ? ctx.heartbeat(details()) : ctx.heartbeat()), intervalMs);
  return () => clearInterval(timer);
}

/**
 * The `heartbeat` a tool's context gets: sends `prepare(details)`, or does nothing in a local activity, where a
 * tool that reports progress must still work (it just has no one to report to).
 */
export function toolHeartbeat(
  ctx: Context,
  prepare: (details: unknown) => unknown,
): (details?: unknown) => void {
  if (ctx.info.isLocal) return () => undefined;
  return (details?: unknown) => ctx.heartbeat(prepare(details));
}

/** A timer that fires once after `ms` without a `touch()`; `fired` tells afterwards whether it did. */
interface IdleTimer {
  touch(): void;
  stop(): void;
  readonly fired: boolean;
}

/**
 * Calls `onIdle` once `ms` pass without a `touch()`. The heartbeat above proves the worker is alive, not that
 * the work moves: a stream that stalls would heartbeat for ever, so progress is watched on its own.
 */
export function idleTimer(ms: number, onIdle: () => void): IdleTimer {
  let fired = false;
  const fire = () => {
    fired = true;
    onIdle();
  };
  let timer = setTimeout(fire, ms);
  return {
    touch() {
      if (fired) return;
      clearTimeout(timer);
      timer = setTimeout(fire, ms);
    },
    stop: () => clearTimeout(timer),
    get fired() {
      return fired;
    },
  };
}
