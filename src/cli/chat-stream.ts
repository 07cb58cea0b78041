// `durable-agent chat` prints a send's answer as it streams and its tool calls as they start and finish, from the
// session's event stream (watchSession), by the retry rule: text already printed cannot be taken back, so when a
// model call starts again a line says that its text starts over.
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { StreamBackend } from '../streams/backend';
import { sleep } from '../streams/backend';
import { watchSession } from '../streams/watch';
import { TextPrinter } from './stream-text';

/** A send being followed on the stream. */
interface FollowedSend {
  /**
   * Waits up to `ms` for the send's `run_finished` (the session writes it before the send returns), then stops.
   * Says whether answer text was printed, and the stream offset the next send's reader starts after.
   */
  finish(ms: number): Promise<{ printed: boolean; lastOffset: number }>;
}

/** The offset of the last event in a session's stream (0 when it has none): where a new reader joins. */
export async function streamEnd(backend: StreamBackend, sessionId: string): Promise<number> {
  let last = 0;
  for await (const event of backend.read(sessionId, 0, { follow: false })) last = event.offset;
  return last;
}

/**
 * Follows the session's stream after offset `from` until the next `run_finished`: answer text to `out`, tool
 * calls and retries to `note`. The first send starts the session, so until it exists the reader tries again.
 */
export function followSend(
  client: Client,
  sessionId: string,
  from: number,
  backend: StreamBackend,
  out: NodeJS.WritableStream,
  note: (line: string) => void,
): FollowedSend {
  const stop = new AbortController();
  const printer = new TextPrinter((chunk) => out.write(chunk));
  let lastOffset = from;
  const reading = (async () => {
    while (!stop.signal.aborted) {
      try {
        for await (const event of watchSession(client, sessionId, {
          from: lastOffset,
          signal: stop.signal,
          backend,
        })) {
          lastOffset = event.offset;
          if (event.type === 'run_finished') return;
          if (event.type === 'tool_started') note(`  … ${event.name} (${event.toolUseId})`);
          else if (event.type === 'tool_finished')
            note(`  ${event.isError ? '✗' : '✓'} ${event.name} ${event.status}`);
          printer.push(event);
        }
        return;
      } catch (err) {
        // The first send's update-with-start has not created the session yet.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        await sleep(100, stop.signal);
      }
    }
  })().catch((err: unknown) => {
    note(`(live text unavailable: ${(err as Error).message})`);
  });
  return {
    async finish(ms) {
      const timer = setTimeout(() => stop.abort(), ms);
      await reading;
      clearTimeout(timer);
      if (printer.printed) out.write('\n');
      return { printed: printer.printed, lastOffset };
    },
  };
}
