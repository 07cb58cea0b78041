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
