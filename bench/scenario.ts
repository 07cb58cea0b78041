// What a benchmark scenario is given and what it hands back for BENCHMARKS.md.
import type { BenchEnv } from './env';
import type { Summary, Unit } from './stats';

/** One line of a scenario's table. */
export interface Row {
  label: string;
  unit: Unit;
  /** Measured: median and min–max over the repetitions. */
  summary?: Summary;
  /** A value that is not measured (an ideal, a setting). */
  fixed?: string;
  /** Comparison with the baseline, e.g. `×1.23 the in-process loop`. */
  versus?: string;
}

/** One scenario's part of the report. */
export interface Section {
  id: string;
  title: string;
  /** How it was measured, in a sentence or two. */
  setup: string;
  rows: Row[];
  /** What the figures say, written from them. */
  interpretation: string;
  /** Repetitions behind each median. */
  reps: number;
  /** The goals for this section's figures, each judged from the measured values. */
  goals?: Goal[];
  /** Wall time of the section, set by bench/run.ts. */
  tookMs?: number;
}

/** A goal and how the section's measurement compares with it; built with the helpers of bench/goals.ts. */
export interface Goal {
  /** What is measured, e.g. `no-op activity round trip`. */
  figure: string;
  /** The target as people read it, e.g. `≤ 30 ms median`. */
  goal: string;
  /** The measured median and spread, as the report prints it, e.g. `19.0 ms (12.0–21.0 ms)`. */
  measured: string;
  /** Computed from the measurement, never written by hand. */
  met: boolean;
  /** Why it is not met, or what the verdict rests on, when the measurement alone does not say. */
  note?: string;
}

/** What a scenario gets. */
export interface ScenarioContext {
  env: BenchEnv;
  /** Repetitions of each measurement. */
  reps: number;
  /** A progress line on stdout. */
  log(line: string): void;
  /** Work shared between scenarios (the crash runs serve both (f) and (g)), by key. */
  shared: Map<string, Promise<unknown>>;
}

/** A benchmark scenario. */
export interface Scenario {
  id: string;
  title: string;
  run(ctx: ScenarioContext): Promise<Section>;
}

/** Runs `create` once per key for the whole bench; later callers get the same promise. */
export function once<T>(ctx: ScenarioContext, key: string, create: () => Promise<T>): Promise<T> {
  let promise = ctx.shared.get(key) as Promise<T> | undefined;
  if (!promise) {
    promise = create();
    ctx.shared.set(key, promise);
  }
  return promise;
}
