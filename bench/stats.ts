// Medians and spreads of repeated measurements, and how they are written in BENCHMARKS.md.

/** Several measurements of one quantity. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  values: number[];
}

/** Median, min and max of the values (median of an even count: mean of the middle two). */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { median: NaN, min: NaN, max: NaN, values: [] };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number, values: [...values] };
}

/** Median of the values. */
export function median(values: readonly number[]): number {
  return summarize(values).median;
}

/** Arithmetic mean of the values (NaN when there are none). */
export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** How a quantity is printed. */
export type Unit = 'ms' | 's' | 'bytes' | 'rate' | 'ratio' | 'tokens' | 'count' | 'usd';

/** One value in its unit: `152 ms`, `1.52 s`, `12.3 KiB`, `41.2/s`, `×1.23`, `12,345`. */
export function format(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return 'n/a';
  switch (unit) {
    case 'ms': {
      const abs = Math.abs(value);
      return `${value.toFixed(abs < 10 ? 2 : abs < 100 ? 1 : 0)} ms`;
    }
    case 's':
      return `${value.toFixed(2)} s`;
    case 'bytes': {
      const abs = Math.abs(value);
      if (abs < 1024) return `${Math.round(value)} B`;
      if (abs < 1024 * 1024) return `${(value / 1024).toFixed(1)} KiB`;
      return `${(value / 1024 / 1024).toFixed(2)} MiB`;
    }
    case 'rate':
      return `${value.toFixed(1)}/s`;
    case 'ratio':
      return `×${value.toFixed(value >= 100 ? 0 : 2)}`;
    case 'tokens':
    case 'count':
      return Math.round(value).toLocaleString('en-US');
    case 'usd':
      return `$${value.toFixed(4)}`;
  }
}

/** `12.1 ms – 15.3 ms` as `12.1–15.3 ms` when the unit is the same suffix. */
export function formatRange(summary: Summary, unit: Unit): string {
  const low = format(summary.min, unit);
  const high = format(summary.max, unit);
  if (low === high) return low;
  const suffix = / (ms|s|B|KiB|MiB)$/.exec(low)?.[0];
  if (suffix && high.endsWith(suffix)) return `${low.slice(0, -suffix.length)}–${high}`;
  return `${low} – ${high}`;
}
