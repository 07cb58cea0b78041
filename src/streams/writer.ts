// Writing events from activities. A stream write never fails the model call or the tool that makes it: the run
// is what matters and its result does not depend on the stream. A failure is logged as a warning instead (once
// per call, so a Redis that is down does not flood the log), never swallowed silently.
import type { StreamEventBody } from '../shared/stream-events';
import type { StreamBackend } from './backend';

/** Where a writer reports a failed write. */
export type WarnFn = (message: string, meta?: Record<string, unknown>) => void;

/** Appends events to run streams, in order per stream within this process, without ever throwing. */
export class StreamWriter {
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(readonly backend: StreamBackend) {}

  /** Whether events are written anywhere (false for DURABLE_AGENT_STREAM=off). */
  get enabled(): boolean {
    return this.backend.kind !== 'off';
  }

  /**
   * Appends after every earlier append of this process to the same stream; resolves true once written, false
   * (after calling `warn`) when the write failed.
   */
  emit(streamId: string, bodies: readonly StreamEventBody[], warn: WarnFn): Promise<boolean> {
    if (!this.enabled || bodies.length === 0) return Promise.resolve(true);
    const previous = this.tails.get(streamId) ?? Promise.resolve();
    const written = previous.then(() =>
      this.backend.append(streamId, bodies).then(
        () => true,
        (err: unknown) => {
          warn(
            `could not write ${bodies.length} event(s) to the stream of ${streamId}; readers miss them (the run goes on): ${(err as Error).message}`,
            { workflowId: streamId, stream: this.backend.kind },
          );
          return false;
        },
      ),
    );
    this.tails.set(streamId, written);
    // The chain is dropped once it has settled, so finished runs hold no memory.
    void written.then(() => {
      if (this.tails.get(streamId) === written) this.tails.delete(streamId);
    });
    return written;
  }
}

/** A warn function that passes on the first warning only. */
export function warnOnce(warn: WarnFn): WarnFn {
  let warned = false;
  return (message, meta) => {
    if (warned) return;
    warned = true;
    warn(`${message} (later failures of this call are not logged)`, meta);
  };
}
