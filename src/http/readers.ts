// The event readers `durable-agent serve` answers the /events routes with: watchRun for runs, watchSession for
// sessions, over one stream backend shared by every request. The API counts offsets the SSE way (the first one
// wanted), the readers the stream way (the last one seen), so each reader is asked for the events after `from - 1`.
import type { Client } from '@temporalio/client';
import type { StreamBackend } from '../streams/backend';
import { watchRun, watchSession } from '../streams/watch';
import type { WatchEvents } from './sse';

/** What the API reads event streams with. */
interface StreamReaders {
  /** A run's events (ends after its run_finished). */
  watch: WatchEvents;
  /** A session's events (ends once the session has closed). */
  watchSession: WatchEvents;
}

/** The readers of `backend` (by default each read opens the environment's backend and closes it after). */
export function streamReaders(client: Client, backend?: StreamBackend): StreamReaders {
  const options = (from: number, signal: AbortSignal) => ({
    from: Math.max(0, from - 1),
    signal,
    ...(backend ? { backend } : {}),
  });
  return {
    watch: (id, from, signal) => watchRun(client, id, options(from, signal)),
    watchSession: (id, from, signal) => watchSession(client, id, options(from, signal)),
  };
}
