// The goals, judged from the measured medians: each helper returns a Goal whose verdict is computed
// from the values, so a rerun that misses a goal says so without anyone editing text.
import type { Goal } from './scenario';
import { format, formatRange } from './stats';
import type { Summary, Unit } from './stats';

/** `19.0 ms (12.0–21.0 ms)`: the median and the spread of the repetitions. */
export function measured(summary: Summary, unit: Unit): string {
  const range = formatRange(summary, unit);
  const median = format(summary.median, unit);
  return range === median ? median : `${median} (${range})`;
}

/** The median must be at most `limit`. */
export function atMost(figure: string, summary: Summary, unit: Unit, limit: number, note?: string): Goal {
  return {
    figure,
    goal: `≤ ${format(limit, unit)} median`,
    measured: measured(summary, unit),
    met: summary.median <= limit,
    ...(note ? { note } : {}),
  };
}

/** The median must be at least `limit`. */
export function atLeast(figure: string, summary: Summary, unit: Unit, limit: number, note?: string): Goal {
  return {
    figure,
    goal: `≥ ${format(limit, unit)} median`,
    measured: measured(summary, unit),
    met: summary.median >= limit,
    ...(note ? { note } : {}),
  };
}

/** Every repetition must measure `expected` (a count that must hold each time, not only in the median). */
export function always(figure: string, summary: Summary, unit: Unit, expected: number): Goal {
  return {
    figure,
    goal: `${format(expected, unit)} in every repetition`,
    measured: `${formatRange(summary, unit)} (${summary.values.map((v) => format(v, unit)).join(', ')})`,
    met: summary.values.length > 0 && summary.values.every((v) => v === expected),
  };
}

/**
 * durable-agent must be ahead of the peer: `ratios` are durable ÷ peer per repetition, lower is better, and
 * the median must be below 1. `durable` and `peer` give both medians, so the row reads without the section.
 */
export function ahead(
  figure: string,
  ratios: Summary,
  durable: Summary,
  peer: Summary,
  unit: Unit,
  why?: string,
): Goal {
  const met = ratios.median < 1;
  return {
    figure,
    goal: 'durable-agent ahead of the peer',
    measured: `${format(durable.median, unit)} against ${format(peer.median, unit)}: ${measured(ratios, 'ratio')}`,
    met,
    ...(!met && why ? { note: why } : {}),
  };
}

/** `met` or `**not met**`, for tables and sentences. */
export function verdict(goal: Goal): string {
  return goal.met ? 'met' : '**not met**';
}

/** One sentence per goal, for the end of a section's interpretation. */
export function verdictSentence(goals: Goal[]): string {
  if (goals.length === 0) return '';
  const parts = goals.map(
    (g) =>
      `${g.figure}, goal ${g.goal}: ${g.measured}, ${verdict(g)}` +
      (g.note && !g.met ? ` (${g.note.replace(/\.$/, '')})` : ''),
  );
  const met = goals.filter((g) => g.met).length;
  return `Against its goals (${met} of ${goals.length} met): ${parts.join('; ')}.`;
}
