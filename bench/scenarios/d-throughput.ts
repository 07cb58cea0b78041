// (d) Throughput: 200 concurrent runs on one worker, against bare no-op activities on the same server.
import { randomUUID } from 'node:crypto';
import { UNLIMITED, MODEL } from '../env';
import type { BenchEnv } from '../env';
import type { Scenario, ScenarioContext } from '../scenario';
import { marker, promptFor, scriptChain } from '../script';
import { format, formatRange, summarize } from '../stats';
import { benchStep } from '../tools';

const RUNS = 200;
/** Tool steps per run; a run makes STEPS + 1 model calls (turns). */
const STEPS = 4;
const TURNS = STEPS + 1;
/** Activities per agent run: pinning the tools, every model call, every tool call. */
const ACTIVITIES = 1 + TURNS + STEPS;

/** Starts `runs` agent runs at once and waits for all; returns the wall time. */
async function durableBatch(env: BenchEnv, taskQueue: string, label: string, runs: number): Promise<number> {
  const marks = Array.from({ length: runs }, (_, i) => marker(`${label} ${i}`));
  for (const mark of marks) scriptChain(env.fake, mark, { steps: STEPS, toolMs: 0 });
  const started = Date.now();
  const results = await Promise.all(
    marks.map((mark) =>
      env.run(
        taskQueue,
        {
          prompt: promptFor(mark),
          model: MODEL,
          tools: [benchStep.name],
          promptCaching: false,
          limits: { maxIterations: TURNS + 2, ...UNLIMITED },
        },
        `bench-d-${randomUUID()}`,
      ),
    ),
  );
  const wall = Date.now() - started;
  const bad = results.filter((r) => r.status !== 'completed' || r.iterations !== TURNS);
  if (bad.length > 0) throw new Error(`${bad.length} of ${runs} runs did not complete ${TURNS} turns`);
  return wall;
}

/** Starts `runs` bare workflows of ACTIVITIES no-op activities each at once; returns the wall time. */
async function bareBatch(env: BenchEnv, taskQueue: string, runs: number): Promise<number> {
  const started = Date.now();
  await Promise.all(
    Array.from({ length: runs }, () =>
      env.client.workflow.execute('bareChain', {
        taskQueue,
        workflowId: `bench-d-bare-${randomUUID()}`,
        args: [ACTIVITIES],
      }),
    ),
  );
  return Date.now() - started;
}

export const throughput: Scenario = {
  id: 'd',
  title: `Throughput: ${RUNS} concurrent runs on one worker`,
  // A repetition is about a minute (2,000 agent activities and 2,000 bare ones); three keep the bench near 15 minutes.
  defaultReps: 3,
  async run({ env, reps, log }: ScenarioContext) {
    const queue = `bench-d-${randomUUID()}`;
    const agent = await env.startAgentWorker(queue);
    const bare = await env.startBaselineWorker(`${queue}-bare`);
    try {
      await durableBatch(env, queue, 'd warm-up', 20);
      await bareBatch(env, `${queue}-bare`, 20);
      env.fake.reset();

      const durableWall: number[] = [];
      const bareWall: number[] = [];
      for (let rep = 1; rep <= reps; rep++) {
        const batches = [
          async () => durableWall.push(await durableBatch(env, queue, `d ${rep}`, RUNS)),
          async () => bareWall.push(await bareBatch(env, `${queue}-bare`, RUNS)),
        ];
        if (rep % 2 === 0) batches.reverse();
        for (const batch of batches) await batch();
        env.fake.reset();
        const d = durableWall[rep - 1] as number;
        const b = bareWall[rep - 1] as number;
        log(
          `[d] ${rep}/${reps}: ${RUNS} runs in ${format(d / 1000, 's')} (${format((RUNS * TURNS * 1000) / d, 'rate')} turns), ` +
            `bare in ${format(b / 1000, 's')} (${format((RUNS * ACTIVITIES * 1000) / b, 'rate')} activities)`,
        );
      }
      const perSecond = (count: number, walls: number[]) => walls.map((w) => (count * 1000) / w);
      const turns = summarize(perSecond(RUNS * TURNS, durableWall));
      const durableActs = summarize(perSecond(RUNS * ACTIVITIES, durableWall));
      const bareActs = summarize(perSecond(RUNS * ACTIVITIES, bareWall));
      const ratio = summarize(durableWall.map((d, i) => (bareWall[i] as number) / d));
      return {
        id: 'd',
        title: this.title,
        reps,
        setup:
          `${RUNS} agent runs started at once on one in-process worker (default worker options), each ${TURNS} turns: ` +
          `${STEPS} model calls that ask for one tool call and a final answer, no model latency, instant tools ` +
          `(${ACTIVITIES} activities per run with the tool pinning). Baseline: ${RUNS} bare workflows of ${ACTIVITIES} no-op ` +
          'activities each, started at once on one worker. Wall time from the first start to the last result.',
        rows: [
          { label: '**durable: turns per second**', unit: 'rate', summary: turns },
          { label: 'durable: activities per second', unit: 'rate', summary: durableActs },
          { label: 'bare no-op activities per second', unit: 'rate', summary: bareActs },
          {
            label: 'durable ÷ bare, activities per second',
            unit: 'ratio',
            summary: ratio,
          },
          {
            label: `durable: wall time for ${RUNS} runs`,
            unit: 's',
            summary: summarize(durableWall.map((w) => w / 1000)),
          },
          {
            label: `bare: wall time for ${RUNS} workflows`,
            unit: 's',
            summary: summarize(bareWall.map((w) => w / 1000)),
          },
        ],
        interpretation:
          `One worker finishes ${format(turns.median, 'rate')} agent turns (${format(durableActs.median, 'rate')} activities) with ` +
          `${RUNS} runs in flight, ${format(ratio.median, 'ratio')} the rate at which the same server and worker run bare no-op ` +
          `activities (${format(bareActs.median, 'rate')}). Each agent activity does real work the no-op does not (an HTTP call to ` +
          'the fake, a JSON request of the whole transcript, message-store files, search-attribute updates), and the fake, the ' +
          'worker and the bench share the same two cores with the server.' +
          (durableActs.max > 1.3 * durableActs.min && bareActs.max > 1.3 * bareActs.min
            ? ` Both rates moved a lot between repetitions (${formatRange(durableActs, 'rate')} and ${formatRange(bareActs, 'rate')}), ` +
              "the bare one as much as the agent's, so the drift comes from the shared server and machine, not the runtime; " +
              'the ratio, measured within each repetition, is the steadier figure.'
            : ''),
      };
    } finally {
      await agent.stop();
      await bare.stop();
    }
  },
};
