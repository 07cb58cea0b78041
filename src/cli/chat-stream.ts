// `durable-agent chat` prints a send's answer as it streams and its tool calls as they start and finish, from the
// session's event stream (watchSession), by the retry rule: text already printed cannot be taken back, so when a
// model call starts again a line says that its text starts over.
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { StreamText } from '../streams/assemble';
import type { StreamBackend } from '../streams/backend';
import { sleep } from '../streams/backend';
import { watchSession } from '../streams/watch';

/** A send being followed on the stream. */
export interface FollowedSend {
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
  const text = new StreamText();
  let printed = false;
  let lastTurn: number | undefined;
  let lastOffset = from;
  const print = (chunk: string) => {
    out.write(chunk);
    printed = true;
  };
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
          for (const change of text.push(event)) {
            if (change.kind === 'reset') {
              if (change.dropped.text) print(`\n[turn ${change.turn} is retried; its text starts again]\n`);
              continue;
            }
            if (change.type !== 'text') continue;
            if (printed && lastTurn !== change.turn) print('\n\n');
            print(change.delta);
            lastTurn = change.turn;
          }
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
      if (printed) out.write('\n');
      return { printed, lastOffset };
    },
  };
}
