// (a) Orchestration overhead per model+tool step: a durable run against the in-process loop with the same
// fake-Claude latency and tool, and against bare Temporal activities on the same server.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { runInProcessLoop } from '../baseline/in-process-loop';
import { MAX_TOKENS, MODEL, UNLIMITED } from '../env';
import type { BenchEnv } from '../env';
import { atMost } from '../goals';
import type { Scenario, ScenarioContext } from '../scenario';
import { marker, promptFor, scriptChain, stepTimes } from '../script';
import { format, mean, median, summarize } from '../stats';
import { benchStep, benchStepLocal } from '../tools';
import { benchQueue } from '../queue';

/** Steps of the per-step job; (p) runs the same job. */
export const STEPS = 20;
/** The fake's wait per model call in that job. */
export const MODEL_MS = 100;
/** The tool's wait per call in that job. */
export const TOOL_MS = 25;
const BARE_CALLS = 40;
/** Idle time before the no-op chain, to show how a pause changes the first round trips. */
const PAUSE_MS = 3000;
/** Activities that turn around faster after a pause (see `warm`). */
export const BURST = 10;

/** Step times of an in-process run of `steps` steps. */
export async function inProcessStep(
  env: BenchEnv,
  label: string,
  steps: number,
  toolMs: number,
  modelMs: number,
): Promise<number[]> {
  const mark = marker(label);
  scriptChain(env.fake, mark, { steps, toolMs, delayMs: modelMs });
  await runInProcessLoop({
    anthropic: env.anthropic(),
    tools: [benchStep],
    prompt: promptFor(mark),
    model: MODEL,
    maxTokens: MAX_TOKENS,
  });
  return stepTimes(env.fake, mark);
}

/** Step times of a durable run of `steps` steps on `taskQueue`, and its handle. */
export async function durableSteps(
  env: BenchEnv,
  taskQueue: string,
  label: string,
  steps: number,
  toolMs: number,
  modelMs: number,
  tool: string = benchStep.name,
) {
  const mark = marker(label);
  scriptChain(env.fake, mark, { steps, toolMs, delayMs: modelMs, tool });
  const { handle } = await env.startRun(
    taskQueue,
    {
      prompt: promptFor(mark),
      model: MODEL,
      tools: [tool],
      promptCaching: false,
      limits: { maxIterations: Math.min(1000, steps + 5), ...UNLIMITED },
    },
    `bench-${label.replace(/\W+/g, '-')}-${randomUUID().slice(0, 8)}`,
  );
  const result = await handle.result();
  if (result.status !== 'completed')
    throw new Error(`durable run ${mark} ended ${result.status}: ${result.reason}`);
  return { times: stepTimes(env.fake, mark), handle };
}

/**
 * Puts a worker in its steady state just before it is measured. On this server, the first ten or so
 * activities after a worker has been idle for a moment turn around much faster than the ones after them
 * (the no-op rows of (a) show it), which would flatter whichever run comes right after a pause.
 */
export async function warm(env: BenchEnv, taskQueue: string, kind: 'agent' | 'bare'): Promise<void> {
  if (kind === 'agent') await durableSteps(env, taskQueue, 'warm-up', BURST, 0, 0);
  else await bareGaps(env, taskQueue, 2 * BURST);
}

/** Gaps between consecutive no-op activities of one workflow. */
async function bareGaps(env: BenchEnv, taskQueue: string, count: number): Promise<number[]> {
  const ranAt = (await env.client.workflow.execute('bareChain', {
    taskQueue,
    workflowId: `bench-bare-${randomUUID()}`,
    args: [count],
  })) as number[];
  return ranAt.slice(1).map((t, i) => t - (ranAt[i] as number));
}

/** Mean step time of a bare workflow whose steps are two activities that wait `modelMs` and `toolMs`. */
async function bareStep(env: BenchEnv, taskQueue: string, steps: number, modelMs: number, toolMs: number) {
  const startedAt = (await env.client.workflow.execute('bareSteps', {
    taskQueue,
    workflowId: `bench-bare-steps-${randomUUID()}`,
    args: [steps + 1, modelMs, toolMs],
  })) as number[];
  return ((startedAt[startedAt.length - 1] as number) - (startedAt[0] as number)) / steps;
}

export const overhead: Scenario = {
  id: 'a',
  title: 'Orchestration overhead per model+tool step',
  async run({ env, reps, log }: ScenarioContext) {
    const queue = benchQueue('a');
    const bareQueue = `${queue}-bare`;
    const agent = await env.startAgentWorker(queue);
    const baseline = await env.startBaselineWorker(bareQueue);
    try {
      // Not counted: first calls pay for connections, caches and JIT.
      await inProcessStep(env, 'a warm-up', 3, TOOL_MS, MODEL_MS);
      await durableSteps(env, queue, 'a warm-up', 2 * BURST, 0, 0);
      await bareGaps(env, bareQueue, 4 * BURST);
      env.fake.reset();

      const m = {
        inProcess: [] as number[],
        durable: [] as number[],
        local: [] as number[],
        bare: [] as number[],
        noopSteady: [] as number[],
        noopAfterPause: [] as number[],
      };
      for (let rep = 1; rep <= reps; rep++) {
        // Rotate the order so drift in the machine's load does not always favour the same side.
        const jobs = [
          async () =>
            m.inProcess.push(mean(await inProcessStep(env, `a in-process ${rep}`, STEPS, TOOL_MS, MODEL_MS))),
          async () => {
            await warm(env, queue, 'agent');
            const { times } = await durableSteps(env, queue, `a durable ${rep}`, STEPS, TOOL_MS, MODEL_MS);
            m.durable.push(mean(times));
          },
          async () => {
            await warm(env, queue, 'agent');
            const local = `a durable local ${rep}`;
            const { times } = await durableSteps(
              env,
              queue,
              local,
              STEPS,
              TOOL_MS,
              MODEL_MS,
              benchStepLocal.name,
            );
            m.local.push(mean(times));
          },
          async () => {
            await warm(env, bareQueue, 'bare');
            m.bare.push(await bareStep(env, bareQueue, STEPS, MODEL_MS, TOOL_MS));
          },
          async () => {
            await sleep(PAUSE_MS);
            const gaps = await bareGaps(env, bareQueue, BARE_CALLS);
            m.noopAfterPause.push(median(gaps.slice(0, BURST)));
            m.noopSteady.push(median(gaps.slice(2 * BURST)));
          },
        ];
        for (let i = 0; i < jobs.length; i++)
          await (jobs[(i + rep) % jobs.length] as () => Promise<unknown>)();
        env.fake.reset();
        const at = (xs: number[]) => format(xs[rep - 1] as number, 'ms');
        log(
          `[a] ${rep}/${reps}: per step in-process ${at(m.inProcess)}, durable ${at(m.durable)}, ` +
            `durable with a local tool ${at(m.local)}, bare Temporal ${at(m.bare)}; ` +
            `no-op round trip ${at(m.noopSteady)} (${at(m.noopAfterPause)} after a pause)`,
        );
      }

      const work = MODEL_MS + TOOL_MS;
      const over = m.durable.map((d, i) => d - (m.inProcess[i] as number));
      const floor = m.bare.map((b) => b - work);
      const s = {
        inProcess: summarize(m.inProcess),
        durable: summarize(m.durable),
        bare: summarize(m.bare),
        over: summarize(over),
        floor: summarize(floor),
        beyond: summarize(m.durable.map((d, i) => d - (m.bare[i] as number))),
        noopSteady: summarize(m.noopSteady),
        noopAfterPause: summarize(m.noopAfterPause),
        local: summarize(m.local),
        localRatio: summarize(m.local.map((d, i) => d / (m.bare[i] as number))),
        localSaves: summarize(m.local.map((d, i) => (m.durable[i] as number) - d)),
        durableRatio: summarize(m.durable.map((d, i) => d / (m.inProcess[i] as number))),
        bareRatio: summarize(m.durable.map((d, i) => d / (m.bare[i] as number))),
      };
      return {
        id: 'a',
        title: this.title,
        reps,
        setup:
          `${STEPS}-step jobs: each step is one model call (the fake waits ${MODEL_MS} ms) and one tool call (${TOOL_MS} ms). ` +
          'Step time is the gap between consecutive model requests at the fake, averaged over the job. The in-process ' +
          'loop (bench/baseline/in-process-loop.ts) sends the same streamed requests and calls the same tool. The ceiling ' +
          `is a bare workflow (bench/baseline/workflows.ts) whose steps are two activities that only wait ${MODEL_MS} ms and ` +
          `${TOOL_MS} ms: what any design that makes the model call and the tool call activities pays at least. Each Temporal ` +
          `measurement comes right after ${BURST} warm-up steps on the same worker, so all of them see the steady state; the ` +
          `no-op chain (${BARE_CALLS} activities in a row) comes after a ${PAUSE_MS / 1000} s pause instead, and its first ` +
          `${BURST} and last ${BARE_CALLS - 2 * BURST} round trips are reported apart. The local-activity row is the same ` +
          "durable run with the step tool declared `runAs: 'localActivity'` (bench_step_local). Runs are interleaved, order rotated.",
        rows: [
          { label: 'in-process loop, per step', unit: 'ms', summary: s.inProcess },
          {
            label: 'durable run (agentRun), per step',
            unit: 'ms',
            summary: s.durable,
            versus: `${format(s.durableRatio.median, 'ratio')} the in-process loop, ${format(s.bareRatio.median, 'ratio')} the bare step`,
          },
          {
            label: 'durable run, tool as a local activity, per step',
            unit: 'ms',
            summary: s.local,
            versus: `${format(s.localRatio.median, 'ratio')} the bare step, ${format(s.localSaves.median, 'ms')} less than with the regular tool`,
          },
          { label: 'bare Temporal step (2 waiting activities), per step', unit: 'ms', summary: s.bare },
          {
            label: '**orchestration overhead per step** (durable − in-process)',
            unit: 'ms',
            summary: s.over,
          },
          { label: 'ceiling: bare step − its waits (Temporal alone)', unit: 'ms', summary: s.floor },
          {
            label: 'durable step − bare step (what durable-agent adds beyond Temporal)',
            unit: 'ms',
            summary: s.beyond,
          },
          { label: 'bare no-op activity round trip, steady', unit: 'ms', summary: s.noopSteady },
          {
            label: `bare no-op activity round trip, first ${BURST} after a pause`,
            unit: 'ms',
            summary: s.noopAfterPause,
          },
        ],
        goals: [
          atMost('no-op activity round trip on the dev server (steady)', s.noopSteady, 'ms', 30),
          atMost(
            'per-step overhead: durable step ÷ bare Temporal step',
            s.bareRatio,
            'ratio',
            1.1,
            `a durable step takes ${format(s.beyond.median, 'ms')} more than a bare step (${format(s.durable.median, 'ms')} against ${format(s.bare.median, 'ms')})`,
          ),
        ],
        interpretation:
          `A durable step costs ${format(s.over.median, 'ms')} more than the same step in memory ` +
          `(${format(s.durable.median, 'ms')} against ${format(s.inProcess.median, 'ms')}, ${work} ms of which is the model and the tool). ` +
          `A bare workflow that runs the same two activities as pure waits costs ${format(s.floor.median, 'ms')} a step above its waits, ` +
          `and the durable step differs from it by ${format(Math.abs(s.beyond.median), 'ms')} (${format(s.bareRatio.median, 'ratio')} the bare step)` +
          (s.bareRatio.median < 1.1
            ? ": on this server the step time is set by Temporal's activity turn-around, and what the runtime does inside " +
              'its activities (message store, HTTP to the model, search attributes, heartbeats) does not show. '
            : ', which is what the runtime itself adds (message store, search attributes, heartbeats, a larger workflow). ') +
          `A no-op activity takes ${format(s.noopSteady.median, 'ms')} a round trip once the worker is busy, but ` +
          `${format(s.noopAfterPause.median, 'ms')} for the first ${BURST} after a pause` +
          (s.noopSteady.median > 3 * s.noopAfterPause.median
            ? ': in steady state this server and worker pair turns activities around at a fixed pace rather than as fast ' +
              'as they finish, so activities shorter than that pace gain nothing from being short, for the runtime and the ' +
              'bare baseline alike.'
            : '.'),
      };
    } finally {
      await agent.stop();
      await baseline.stop();
    }
  },
};
