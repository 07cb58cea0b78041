// `durable-agent run` prints the model's text as it streams, following the retry rule: when a model call starts
// again, the text already printed cannot be taken back, so a line says that the turn starts over.
import type { Client } from '@temporalio/client';
import type { StreamEventBody } from '../shared/stream-events';
import { StreamText } from '../streams/assemble';
import { watchRun } from '../streams/watch';

/** Writes a stream's answer text as it comes; a retried model call's text cannot be taken back, so a line says so. */
export class TextPrinter {
  /** Whether any answer text was written. */
  printed = false;
  private lastTurn: number | undefined;
  private readonly text = new StreamText();

  constructor(private readonly write: (chunk: string) => void) {}

  /** Writes what the event adds to the answer text. */
  push(event: StreamEventBody): void {
    for (const change of this.text.push(event)) {
      if (change.kind === 'reset') {
        if (change.dropped.text) this.write(`\n[turn ${change.turn} is retried; its text starts again]\n`);
        continue;
      }
      if (change.type !== 'text') continue;
      if (this.printed && this.lastTurn !== change.turn) this.write('\n\n');
      this.write(change.delta);
      this.printed = true;
      this.lastTurn = change.turn;
    }
  }
}

/** A stream being printed. */
interface PrintedStream {
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
  const printer = new TextPrinter((chunk) => out.write(chunk));
  const reading = (async () => {
    for await (const event of watchRun(client, workflowId, { signal: stop.signal })) printer.push(event);
  })().catch((err: unknown) => {
    warn(`(live text unavailable: ${(err as Error).message})`);
  });
  return {
    async finish(ms) {
      const timer = setTimeout(() => stop.abort(), ms);
      await reading;
      clearTimeout(timer);
      return printer.printed;
    },
  };
}
