// A model call's partial output as stream events: text, thinking and tool input as they arrive, written in
// batches (at most one write per COALESCE_MS) so a fast stream does not cost one write per token.
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import type { StreamEventBody } from '../shared/stream-events';
import type { StreamWriter, WarnFn } from './writer';
import { warnOnce } from './writer';

/** Longest a delta waits to be written with the ones after it. */
const COALESCE_MS = 25;

/** Where a model call's events go. */
interface ModelCallStreamTarget {
  writer: StreamWriter;
  streamId: string;
  turn: number;
  attempt: number;
  warn: WarnFn;
  coalesceMs?: number;
}

/** The events of one model-call attempt. */
export class ModelCallStream {
  private buffer: StreamEventBody[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private written: Promise<unknown> = Promise.resolve();
  private readonly tools = new Map<number, { id: string; name: string }>();
  private readonly warn: WarnFn;
  private stopped = false;

  constructor(private readonly target: ModelCallStreamTarget) {
    this.warn = warnOnce(target.warn);
  }

  /**
   * Writes what comes before the model's output: the events the workflow passed on (the previous turn's end)
   * and, on a retried attempt, `retry`, which tells readers to drop what the earlier attempt showed.
   */
  begin(carried: readonly StreamEventBody[] = []): void {
    const { turn, attempt } = this.target;
    this.buffer.push(...carried);
    if (attempt > 1) this.buffer.push({ type: 'retry', turn, attempt });
    this.flush();
  }

  /** Takes one raw event of the SDK's stream. */
  push(event: RawMessageStreamEvent): void {
    if (this.stopped) return;
    const { turn, attempt } = this.target;
    if (event.type === 'content_block_start' && event.content_block.type === 'tool_use') {
      const { id, name } = event.content_block;
      this.tools.set(event.index, { id, name });
      this.add({ type: 'tool_input', turn, attempt, index: event.index, toolUseId: id, name, delta: '' });
    } else if (event.type === 'content_block_delta') {
      const delta = event.delta;
      if (delta.type === 'text_delta') this.add({ type: 'text', turn, attempt, delta: delta.text });
      else if (delta.type === 'thinking_delta')
        this.add({ type: 'thinking', turn, attempt, delta: delta.thinking });
      else if (delta.type === 'input_json_delta' && delta.partial_json !== '')
        this.add({ type: 'tool_input', turn, attempt, index: event.index, delta: delta.partial_json });
    }
  }

  /** Writes what is buffered and resolves once every write of this call has ended (written or warned). */
  async finish(): Promise<void> {
    this.flush();
    await this.written;
  }

  /** Drops what is buffered and writes nothing more (the call failed or was cancelled). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.buffer = [];
  }

  private add(body: StreamEventBody): void {
    const last = this.buffer[this.buffer.length - 1];
    if (last && mergeable(last, body)) (last as { delta: string }).delta += (body as { delta: string }).delta;
    else this.buffer.push(body);
    this.timer ??= setTimeout(() => this.flush(), this.target.coalesceMs ?? COALESCE_MS);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    const bodies = this.buffer;
    this.buffer = [];
    const { writer, streamId } = this.target;
    this.written = writer.emit(streamId, bodies, this.warn);
  }
}

// Deltas of one kind (and, for tool input, of one block) join; a tool block's first event keeps its own line.
function mergeable(a: StreamEventBody, b: StreamEventBody): boolean {
  if (a.type === 'text' || a.type === 'thinking') return b.type === a.type && b.attempt === a.attempt;
  if (a.type === 'tool_input' && b.type === 'tool_input')
    return a.index === b.index && b.toolUseId === undefined && a.attempt === b.attempt;
  return false;
}
