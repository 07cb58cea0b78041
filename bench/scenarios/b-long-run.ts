// (b) Overhead at step 1 against step 500 of one run: it must stay flat as the transcript grows and the run
// continues as new.
import type { Scenario, ScenarioContext } from '../scenario';
import { chainHistories } from '../history';
import { format, summarize } from '../stats';
import { durableSteps, inProcessStep, warm } from './a-overhead';
import { benchQueue } from '../queue';

const STEPS = 500;
const MODEL_MS = 2;
const TOOL_MS = 0;
const WINDOW = 10;

const median = (values: number[]) => summarize(values).median;

export const longRun: Scenario = {
  id: 'b',
  title: 'Overhead at step 1 against step 500 of one run',
  async run({ env, reps, log }: ScenarioContext) {
    const queue = benchQueue('b');
    const agent = await env.startAgentWorker(queue);
    try {
      await inProcessStep(env, 'b warm-up', 3, TOOL_MS, MODEL_MS);
      await durableSteps(env, queue, 'b warm-up', 20, TOOL_MS, MODEL_MS);
      env.fake.reset();

      const m = {
        durableStart: [] as number[],
        durableEnd: [] as number[],
        inStart: [] as number[],
        inEnd: [] as number[],
        overStart: [] as number[],
        overEnd: [] as number[],
        slowest: [] as number[],
        slowestAt: [] as number[],
        runs: [] as number[],
      };
      for (let rep = 1; rep <= reps; rep++) {
        const order = rep % 2 === 0 ? ['durable', 'in-process'] : ['in-process', 'durable'];
        let durable: number[] = [];
        let inProcess: number[] = [];
        for (const which of order) {
          if (which === 'in-process') {
            inProcess = await inProcessStep(env, `b in-process ${rep}`, STEPS, TOOL_MS, MODEL_MS);
          } else {
            await warm(env, queue, 'agent');
            const run = await durableSteps(env, queue, `b durable ${rep}`, STEPS, TOOL_MS, MODEL_MS);
            durable = run.times;
            const chain = await chainHistories(env.historyClient, run.handle.workflowId);
            m.runs.push(chain.length);
          }
          env.fake.reset();
        }
        if (durable.length !== STEPS || inProcess.length !== STEPS)
          throw new Error(
            `expected ${STEPS} steps, got ${durable.length} durable and ${inProcess.length} in-process`,
          );
        const first = (xs: number[]) => median(xs.slice(0, WINDOW));
        const last = (xs: number[]) => median(xs.slice(STEPS - WINDOW));
        m.durableStart.push(first(durable));
        m.durableEnd.push(last(durable));
        m.inStart.push(first(inProcess));
        m.inEnd.push(last(inProcess));
        m.overStart.push(first(durable) - first(inProcess));
        m.overEnd.push(last(durable) - last(inProcess));
        const slowest = Math.max(...durable);
        m.slowest.push(slowest);
        m.slowestAt.push(durable.indexOf(slowest) + 1);
        log(
          `[b] ${rep}/${reps}: durable step ${format(first(durable), 'ms')} at 1–${WINDOW}, ${format(last(durable), 'ms')} at ${STEPS - WINDOW + 1}–${STEPS}; ` +
            `in-process ${format(first(inProcess), 'ms')} → ${format(last(inProcess), 'ms')}; ${m.runs[m.runs.length - 1]} runs in the chain`,
        );
      }

      const s = Object.fromEntries(Object.entries(m).map(([k, v]) => [k, summarize(v)])) as Record<
        keyof typeof m,
        ReturnType<typeof summarize>
      >;
      const change = summarize(m.overEnd.map((e, i) => e - (m.overStart[i] as number)));
      const flat = change.median <= Math.max(5, 0.25 * s.overStart.median);
      return {
        id: 'b',
        title: this.title,
        reps,
        setup:
          `One run of ${STEPS} steps per repetition (model ${MODEL_MS} ms, tool ${TOOL_MS} ms, so the figures are almost all ` +
          `overhead), continue-as-new at its defaults, and the in-process loop over the same ${STEPS} steps. A window is the ` +
          `median step time of steps 1–${WINDOW} or ${STEPS - WINDOW + 1}–${STEPS}; overhead subtracts the in-process loop's ` +
          'window in the same repetition, which takes out the cost both pay for a longer transcript (a 1,000-message request). ' +
          'The worker runs ten steps of another job right before each measured run, so step 1 is measured in the same ' +
          'steady state as step 500 (see the pause rows of (a)).',
        rows: [
          { label: `durable step, steps 1–${WINDOW}`, unit: 'ms', summary: s.durableStart },
          { label: `durable step, steps ${STEPS - WINDOW + 1}–${STEPS}`, unit: 'ms', summary: s.durableEnd },
          { label: `in-process step, steps 1–${WINDOW}`, unit: 'ms', summary: s.inStart },
          { label: `in-process step, steps ${STEPS - WINDOW + 1}–${STEPS}`, unit: 'ms', summary: s.inEnd },
          { label: `**overhead per step, steps 1–${WINDOW}**`, unit: 'ms', summary: s.overStart },
          {
            label: `**overhead per step, steps ${STEPS - WINDOW + 1}–${STEPS}**`,
            unit: 'ms',
            summary: s.overEnd,
            versus: `${change.median >= 0 ? '+' : ''}${format(change.median, 'ms')} against steps 1–${WINDOW}`,
          },
          { label: 'slowest single durable step', unit: 'ms', summary: s.slowest },
          { label: 'step number of the slowest', unit: 'count', summary: s.slowestAt },
          { label: 'runs in the continue-as-new chain', unit: 'count', summary: s.runs },
        ],
        interpretation:
          `Overhead per step is ${format(s.overStart.median, 'ms')} at the start of the run and ${format(s.overEnd.median, 'ms')} ` +
          `at step ${STEPS} (${change.median >= 0 ? '+' : ''}${format(change.median, 'ms')}, from ${format(change.min, 'ms')} to ` +
          `${format(change.max, 'ms')} across repetitions): ${flat ? 'it does not grow' : 'it grows'}. ` +
          `The durable step takes ${format(s.durableStart.median, 'ms')} at the start and ${format(s.durableEnd.median, 'ms')} at the end, ` +
          `while the in-process step grows from ${format(s.inStart.median, 'ms')} to ${format(s.inEnd.median, 'ms')} with the request` +
          (change.median < 0
            ? ', a growth the durable step absorbs in its activity turn-around, hence the smaller overhead at the end'
            : '') +
          `. The run continued as new ${Math.round(s.runs.median) - 1} time(s) on the way; its slowest single step took ${format(s.slowest.median, 'ms')}.`,
      };
    } finally {
      await agent.stop();
    }
  },
};
