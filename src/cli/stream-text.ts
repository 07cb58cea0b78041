// `durable-agent run` prints the model's text as it streams, following the retry rule: when a model call starts
// again, the text already printed cannot be taken back, so a line says that the turn starts over.
import type { Client } from '@temporalio/client';
import { StreamText } from '../streams/assemble';
import { watchRun } from '../streams/watch';

/** A stream being printed. */
export interface PrintedStream {
  /** Waits up to `ms` for the stream to end (it ends with the run), then stops; true when it printed text. */
  finish(ms: number): Promise<boolean>;
}

/** Prints a run's text to `out` as it streams; a stream that cannot be read is reported once through `warn`. */
export function printStream(
  client: Client,
  workflowId: string,
  out: NodeJS.WritableStream,
  warn: (line: string) => void,
): PrintedStream {
  const stop = new AbortController();
  const text = new StreamText();
  let printed = false;
  let lastTurn: number | undefined;
  const reading = (async () => {
    for await (const event of watchRun(client, workflowId, { signal: stop.signal })) {
      for (const change of text.push(event)) {
        if (change.kind === 'reset') {
          if (change.dropped.text) out.write(`\n[turn ${change.turn} is retried; its text starts again]\n`);
          continue;
        }
        if (change.type !== 'text') continue;
        if (printed && lastTurn !== change.turn) out.write('\n\n');
        out.write(change.delta);
        printed = true;
        lastTurn = change.turn;
      }
    }
  })().catch((err: unknown) => {
    warn(`(live text unavailable: ${(err as Error).message})`);
  });
  return {
    async finish(ms) {
      const timer = setTimeout(() => stop.abort(), ms);
      await reading;
      clearTimeout(timer);
      return printed;
    },
  };
}
