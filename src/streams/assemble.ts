// The text a reader shows, assembled from a stream by the retry rule: a `retry` for a turn (or a delta from a
// later attempt of it) drops everything that turn showed so far, and deltas of an earlier attempt that arrive
// late are ignored. A client that follows it never shows a model call's text twice. Pure: no I/O.
import type { StreamEventBody } from '../shared/stream-events';

/** What one turn shows. */
export interface VisibleTurn {
  turn: number;
  attempt: number;
  text: string;
  thinking: string;
}

/** How an event changed what is shown. */
export type TextChange =
  /** Text or thinking to add at the end of `turn`. */
  | { kind: 'delta'; turn: number; type: 'text' | 'thinking'; delta: string }
  /** What `turn` showed is dropped: it starts again (attempt `attempt`). */
  | { kind: 'reset'; turn: number; attempt: number; dropped: VisibleTurn };

/** Follows a stream event by event and keeps what each turn shows. */
export class StreamText {
  private readonly turns = new Map<number, VisibleTurn>();

  /** Takes the next event; says what changed (nothing, a reset, a delta, or a reset then a delta). */
  push(event: StreamEventBody): TextChange[] {
    if (event.type === 'retry') {
      const current = this.turns.get(event.turn);
      if (current && event.attempt <= current.attempt) return [];
      return this.restart(event.turn, event.attempt, current);
    }
    if (event.type !== 'text' && event.type !== 'thinking') return [];
    const current = this.turns.get(event.turn);
    // A late delta of an attempt that was given up on (a worker that lost its call but still wrote).
    if (current && event.attempt < current.attempt) return [];
    const changes =
      !current || event.attempt > current.attempt ? this.restart(event.turn, event.attempt, current) : [];
    const turn = this.turns.get(event.turn) as VisibleTurn;
    if (event.type === 'text') turn.text += event.delta;
    else turn.thinking += event.delta;
    return [...changes, { kind: 'delta', turn: event.turn, type: event.type, delta: event.delta }];
  }

  /** Every turn that showed something, in turn order. */
  visibleTurns(): VisibleTurn[] {
    return [...this.turns.values()].sort((a, b) => a.turn - b.turn);
  }

  /** The text of every turn, in turn order, turns separated by a blank line. */
  get text(): string {
    return this.visibleTurns()
      .map((t) => t.text)
      .filter((text) => text !== '')
      .join('\n\n');
  }

  private restart(turn: number, attempt: number, current: VisibleTurn | undefined): TextChange[] {
    this.turns.set(turn, { turn, attempt, text: '', thinking: '' });
    return current && (current.text || current.thinking)
      ? [{ kind: 'reset', turn, attempt, dropped: current }]
      : [];
  }
}

/** The text a reader that follows the retry rule shows for these events (turns separated by a blank line). */
export function visibleText(events: Iterable<StreamEventBody>): string {
  const text = new StreamText();
  for (const event of events) text.push(event);
  return text.text;
}
