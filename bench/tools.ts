// The one tool every benchmark uses: it waits a given time and returns a result of a given size. Durable runs
// (in-process and child-process workers) and the in-process baseline loop call this same function, so the
// work per step is identical and only the orchestration around it differs.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineTool } from '../src/activities/tools/define';

/** When one call of the tool ran, in this process. */
export interface ToolTiming {
  n: number;
  toolUseId: string;
  startedAt: number;
  /** NaN while the call runs (or when it was aborted). */
  endedAt: number;
}

/** Every call of the tool made in this process, in start order (read by the fan-out benchmark). */
export const toolTimings: ToolTiming[] = [];

/** Step n of a benchmark job: waits `ms`, then returns `bytes` bytes of text (a short line by default). */
export const benchStep = defineTool({
  name: 'bench_step',
  description: 'Do step n of a benchmark job. Use it for every step the job asks for.',
  input: z.object({
    n: z.number().int(),
    ms: z.number().int().min(0).max(60_000),
    bytes: z.number().int().min(1).max(1_000_000).optional(),
  }),
  effect: 'read',
  timeout: '60s',
  async run({ n, ms, bytes }, ctx) {
    const timing: ToolTiming = { n, toolUseId: ctx.toolUseId, startedAt: Date.now(), endedAt: NaN };
    toolTimings.push(timing);
    if (ms > 0) await sleep(ms, undefined, { signal: ctx.signal });
    timing.endedAt = Date.now();
    const line = `step ${n} done. `;
    return bytes === undefined ? line : line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes);
  },
});

/** The same step as a local activity (`runAs: 'localActivity'`), to measure what that saves per tool turn. */
export const benchStepLocal = defineTool({
  ...benchStep,
  name: 'bench_step_local',
  runAs: 'localActivity',
});

/** Loaded by child worker processes through DURABLE_AGENT_TOOLS. */
export default [benchStep];
