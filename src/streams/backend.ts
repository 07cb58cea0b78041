// What every stream backend offers: numbered events appended by writers in any process and read by any number
// of readers from an offset. Offsets are assigned by the backend itself (a line number, a Redis counter), so
// writers in several processes need no coordinator and a reader resumes exactly where it stopped.
import type { StreamEvent, StreamEventBody } from '../shared/stream-events';
import type { StreamErrorType } from '../shared/errors';

/** How a read goes on once it has reached the end of what the stream holds. */
export interface ReadOptions {
  /** Stops the read (a read that follows ends only through it). */
  signal?: AbortSignal;
  /** Wait for new events at the end (default true); false ends the read at the current end. */
  follow?: boolean;
}

/** A backend of run event streams, keyed by workflow ID (a continue-as-new chain keeps one stream). */
export interface StreamBackend {
  /** `store` (files beside the message store), `redis` or `off`. */
  readonly kind: 'store' | 'redis' | 'off';
  /** Appends events in this order, numbered after every event already in the stream. */
  append(streamId: string, bodies: readonly StreamEventBody[]): Promise<void>;
  /** The events with `offset > from`, in order. */
  read(streamId: string, from: number, options?: ReadOptions): AsyncIterable<StreamEvent>;
  /** Lets go of connections. */
  close(): Promise<void>;
}

/**
 * Where a backend keeps opaque records: `append` gives each record the next offsets of the stream, `read`
 * yields them with their offsets. Sealing and naming are done above it (see sealed.ts).
 */
export interface RecordLog {
  readonly kind: 'store' | 'redis';
  append(name: string, records: readonly string[]): Promise<void>;
  read(name: string, from: number, options?: ReadOptions): AsyncIterable<{ offset: number; record: string }>;
  close(): Promise<void>;
}

/** A stream backend that cannot be used: unreachable, misconfigured or broken. `type` is a StreamErrorType. */
export class StreamError extends Error {
  override name = 'StreamError';
  constructor(
    readonly type: (typeof StreamErrorType)[keyof typeof StreamErrorType],
    message: string,
  ) {
    super(message);
  }
}

/** The backend of `DURABLE_AGENT_STREAM=off`: writes go nowhere and reads find nothing. */
export const OFF_BACKEND: StreamBackend = {
  kind: 'off',
  append: () => Promise.resolve(),
  // eslint-disable-next-line require-yield
  read: async function* () {
    return;
  },
  close: () => Promise.resolve(),
};

/** Resolves after `ms`, or at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
