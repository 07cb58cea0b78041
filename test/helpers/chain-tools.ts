// Tools for crash tests: a step that takes a given time, so a test can kill its worker mid-step.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineTool } from '../../src/activities/tools/define';

/** One step of a chain; sleeps `ms`, then reports which step it was. */
export const step = defineTool({
  name: 'step',
  description: 'Do step n of the job.',
  input: z.object({ n: z.number().int(), ms: z.number().int().min(0).max(60_000) }),
  effect: 'read',
  timeout: '60s',
  async run({ n, ms }, ctx) {
    await sleep(ms, undefined, { signal: ctx.signal });
    return `step ${n} done`;
  },
});

/** A side effect that must not happen twice and that has no way to check afterwards whether it happened. */
export const unsafeStep = defineTool({
  name: 'unsafe_step',
  description: 'Do something that must happen at most once.',
  input: z.object({ ms: z.number().int().min(0).max(60_000) }),
  effect: 'unsafe',
  timeout: '60s',
  async run({ ms }) {
    await sleep(ms);
    return 'done once';
  },
});

/** Every crash-test tool. */
export const chainTools = [step, unsafeStep];
