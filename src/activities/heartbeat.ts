import type { Context } from '@temporalio/activity';

/** How often activities heartbeat on their own, so a dead worker is noticed within the heartbeat timeout. */
export const HEARTBEAT_INTERVAL_MS = 1_000;

/**
 * Heartbeats on a timer until the returned function is called. The workflow sets short heartbeat timeouts,
 * so a worker that dies mid-call has its call retried within seconds, not after the full start-to-close
 * timeout; heartbeats are also how an activity learns that it was cancelled.
 */
export function startHeartbeat(ctx: Context, intervalMs: number = HEARTBEAT_INTERVAL_MS): () => void {
  ctx.heartbeat();
  const timer = setInterval(() => ctx.heartbeat(), intervalMs);
  return () => clearInterval(timer);
}

/** A timer that fires once after `ms` without a `touch()`; `fired` tells afterwards whether it did. */
export interface IdleTimer {
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
