// An event stream the test writes: `push` numbers each event with the next offset, and `watch` reads it as the
// HTTP API reads src/streams (from an offset, following new events until aborted).
import type { WatchEvents } from '../../src/http/sse';
import type { StreamEvent, StreamEventBody } from '../../src/shared/stream-events';

/** A test-written stream per workflow ID. */
export interface ScriptedStream {
  push(workflowId: string, ...events: StreamEventBody[]): void;
  watch: WatchEvents;
}

/** Creates an empty scripted stream. */
export function scriptedStream(): ScriptedStream {
  const logs = new Map<string, StreamEvent[]>();
  const waiters = new Set<() => void>();
  const log = (id: string) => {
    let events = logs.get(id);
    if (!events) logs.set(id, (events = []));
    return events;
  };
  return {
    push(workflowId, ...events) {
      const stream = log(workflowId);
      for (const body of events) stream.push({ ...body, offset: stream.length + 1 } as StreamEvent);
      for (const wake of [...waiters]) wake();
    },
    async *watch(workflowId, from, signal) {
      let next = from;
      while (!signal.aborted) {
        const stream = log(workflowId);
        while (next <= stream.length) yield stream[next++ - 1]!;
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            signal.removeEventListener('abort', wake);
            resolve();
          };
          waiters.add(wake);
          signal.addEventListener('abort', wake);
        });
      }
    },
  };
}
