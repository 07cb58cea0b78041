import { checkTurn } from './reply';
import type { FakeTurn } from './types';

interface Script {
  /** null is the default queue. */
  match: string | null;
  turns: FakeTurn[];
}

/** Where a request was routed, and the turn it got if one was left. */
interface Routed {
  match: string | null;
  turn: FakeTurn | undefined;
}

/** The scripted turns of one fake server, queued per `match` string. */
export class ScriptBook {
  private scripts: Script[] = [];

  /** Appends turns to the queue for `match` (null = default), checking each one first. */
  add(turns: FakeTurn[], match: string | null): void {
    if (!Array.isArray(turns)) throw new TypeError('fake-claude: script() takes an array of turns');
    if (match === '') throw new TypeError('fake-claude: script() match must be a non-empty string');
    turns.forEach((turn, index) => checkTurn(turn, `${describeQueue(match)} turn ${index}`));
    const existing = this.scripts.find((script) => script.match === match);
    if (existing) existing.turns.push(...turns);
    else this.scripts.push({ match, turns: [...turns] });
  }

  /**
   * Takes the next turn for a request whose first user message is `text`. The longest matching `match` wins, so
   * a script for "weather in Paris" is not starved by one for "weather"; a matched script that has run dry does
   * not fall back to the default queue, because that would hide the mistake.
   */
  take(text: string): Routed {
    const matching = this.scripts
      .filter((script) => script.match !== null && text.includes(script.match))
      .sort((a, b) => (b.match?.length ?? 0) - (a.match?.length ?? 0));
    const script = matching[0] ?? this.scripts.find((candidate) => candidate.match === null);
    return { match: script?.match ?? null, turn: script?.turns.shift() };
  }

  /** One line per script that still has turns, e.g. `match "alpha": 2 turns left`. */
  leftovers(): string[] {
    return this.scripts
      .filter((script) => script.turns.length > 0)
      .map((script) => `${describeQueue(script.match)}: ${script.turns.length} turn(s) left`);
  }

  /** A summary of every queue, for the message of a request that found no turn. */
  summary(): string {
    if (this.scripts.length === 0) return 'no scripts queued';
    return this.scripts
      .map((script) => `${describeQueue(script.match)} has ${script.turns.length} left`)
      .join('; ');
  }

  /** Forgets every script. */
  clear(): void {
    this.scripts = [];
  }
}

/** How messages name a queue: `default queue` or `match "alpha"`. */
export function describeQueue(match: string | null): string {
  return match === null ? 'default queue' : `match ${JSON.stringify(match)}`;
}
