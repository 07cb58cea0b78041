// A run's or a session's event stream as Server-Sent Events: `event: <type>`, `id: <offset>`, `data: <json>`. A
// reader that reconnects sends the last id it saw (Last-Event-ID, as EventSource does) or `?from=`, and gets the
// events after it, so a dropped connection loses nothing and repeats nothing.
import type { StreamEvent } from '../shared/stream-events';
import { HttpError, HttpErrorType } from './errors';

/**
 * Reads a workflow's events from offset `from` on (the first event is offset 1), until the stream ends or
 * `signal` aborts. `durable-agent serve` passes `watchRun` from src/streams.
 */
export type WatchEvents = (
  workflowId: string,
  from: number,
  signal: AbortSignal,
) => AsyncIterable<StreamEvent>;

/** How an event stream response behaves. */
interface EventStreamOptions {
  /** End the response after the `run_finished` event (runs); sessions keep going until their stream ends. */
  endAfterRunFinished: boolean;
  /** Milliseconds between `: ping` comments that keep proxies from closing an idle connection (default 15 s). */
  heartbeatMs?: number;
}

const DEFAULT_HEARTBEAT_MS = 15_000;
const encoder = new TextEncoder();

/** One event as an SSE frame; the JSON has no newline, so it is one `data:` line. */
export function sseFrame(event: StreamEvent): string {
  return `event: ${event.type}\nid: ${event.offset}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** An error met while streaming, as a frame of its own type (readers then reconnect from their last id). */
function sseErrorFrame(type: string, message: string): string {
  return `event: error\ndata: ${JSON.stringify({ type, message })}\n\n`;
}

function offsetOf(text: string, name: string): number {
  const value = text.trim();
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new HttpError(
      400,
      HttpErrorType.InvalidRequest,
      `${name} must be an event offset (a whole number such as 0 or 42), not "${text}".`,
    );
  }
  return Number(value);
}

/**
 * The first offset a request wants: the one after `Last-Event-ID` (a reconnecting reader has seen that one),
 * else `?from=` itself, else 1 (everything). `Last-Event-ID` wins because EventSource sends it on reconnect
 * even when the URL still carries the `from` of the first connection.
 */
export function firstOffset(lastEventId: string | null | undefined, from: string | null | undefined): number {
  if (lastEventId !== null && lastEventId !== undefined && lastEventId.trim() !== '')
    return offsetOf(lastEventId, 'Last-Event-ID') + 1;
  if (from !== null && from !== undefined && from !== '') return Math.max(1, offsetOf(from, '?from='));
  return 1;
}

/**
 * The SSE response for one workflow's events. The watch is aborted when the client goes away (the request's
 * signal) or stops reading (the body is cancelled), so no reader is left polling the stream for nobody.
 */
export function eventStream(
  request: Request,
  watch: WatchEvents,
  workflowId: string,
  options: EventStreamOptions,
): Response {
  const from = firstOffset(
    request.headers.get('last-event-id'),
    new URL(request.url).searchParams.get('from'),
  );
  const stop = new AbortController();
  const onGone = () => stop.abort();
  request.signal.addEventListener('abort', onGone, { once: true });
  let heartbeat: NodeJS.Timeout | undefined;

  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (text: string) => {
        if (!stop.signal.aborted) controller.enqueue(encoder.encode(text));
      };
      heartbeat = setInterval(() => send(': ping\n\n'), options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
      // A first line at once, so the client sees the response start before the first event exists.
      send(': connected\n\n');
      try {
        for await (const event of watch(workflowId, from, stop.signal)) {
          if (stop.signal.aborted) break;
          // A watch that hands back an event the reader has seen would show text twice; skip it.
          if (event.offset < from) continue;
          send(sseFrame(event));
          if (options.endAfterRunFinished && event.type === 'run_finished') break;
        }
      } catch (err) {
        if (!stop.signal.aborted) {
          const type = (err as { type?: unknown }).type;
          send(
            sseErrorFrame(typeof type === 'string' ? type : HttpErrorType.Internal, (err as Error).message),
          );
        }
      } finally {
        clearInterval(heartbeat);
        request.signal.removeEventListener('abort', onGone);
        stop.abort();
        try {
          controller.close();
        } catch {
          // The reader cancelled the body, which closed it already.
        }
      }
    },
    cancel() {
      clearInterval(heartbeat);
      stop.abort();
    },
  });
  return new Response(body, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx and similar proxies buffer responses unless told not to, which would hold every event back.
      'x-accel-buffering': 'no',
    },
  });
}
