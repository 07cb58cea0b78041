// (c) Fan-out: one model turn asks for 8 tool calls of 800 ms each; ideally the turn takes 800 ms.
import { randomUUID } from 'node:crypto';
import { runInProcessLoop } from '../baseline/in-process-loop';
import { MAX_TOKENS, MODEL, UNLIMITED } from '../env';
import type { BenchEnv } from '../env';
import type { Scenario, ScenarioContext } from '../scenario';
import { marker, promptFor, scriptChain, stepTimes } from '../script';
import { format, summarize } from '../stats';
import { benchStep, toolTimings } from '../tools';
import { durableSteps, warm } from './a-overhead';
import { benchQueue } from '../queue';

/** Tool calls in the fan-out turn; (p) runs the same turn. */
export const FAN_OUT = 8;
/** How long each of them waits. */
export const TOOL_MS = 800;

/** How long the fan-out turn took (model request to the next one) and how far apart the tools started. */
async function fanOutTurn(env: BenchEnv, taskQueue: string | null, label: string) {
  const mark = marker(label);
  scriptChain(env.fake, mark, { steps: FAN_OUT, fanOut: FAN_OUT, toolMs: TOOL_MS });
  toolTimings.length = 0;
  if (taskQueue === null) {
    await runInProcessLoop({
      anthropic: env.anthropic(),
      tools: [benchStep],
      prompt: promptFor(mark),
      model: MODEL,
      maxTokens: MAX_TOKENS,
    });
  } else {
    const result = await env.run(
      taskQueue,
      {
        prompt: promptFor(mark),
        model: MODEL,
        tools: [benchStep.name],
        promptCaching: false,
        limits: { maxIterations: 5, ...UNLIMITED },
      },
      `bench-c-${randomUUID().slice(0, 8)}`,
    );
    if (result.status !== 'completed' || result.toolCalls.length !== FAN_OUT)
      throw new Error(`fan-out run ended ${result.status} with ${result.toolCalls.length} tool calls`);
  }
  const [turn] = stepTimes(env.fake, mark, FAN_OUT);
  const starts = toolTimings.map((t) => t.startedAt);
  if (turn === undefined || starts.length !== FAN_OUT)
    throw new Error(`fan-out ${mark} did not run ${FAN_OUT} tools`);
  return { turn, spread: Math.max(...starts) - Math.min(...starts) };
}

export const fanOut: Scenario = {
  id: 'c',
  title: `Fan-out: ${FAN_OUT} tools × ${TOOL_MS} ms in one turn`,
  async run({ env, reps, log }: ScenarioContext) {
    const queue = benchQueue('c');
    const agent = await env.startAgentWorker(queue);
    try {
      await durableSteps(env, queue, 'c warm-up', 20, 0, 0);
      await fanOutTurn(env, queue, 'c warm-up');
      await fanOutTurn(env, null, 'c warm-up');
      env.fake.reset();

      const durable: Array<{ turn: number; spread: number }> = [];
      const inProcess: Array<{ turn: number; spread: number }> = [];
      for (let rep = 1; rep <= reps; rep++) {
        const runs = [
          async () => {
            await warm(env, queue, 'agent');
            durable.push(await fanOutTurn(env, queue, `c durable ${rep}`));
          },
          async () => inProcess.push(await fanOutTurn(env, null, `c in-process ${rep}`)),
        ];
        if (rep % 2 === 0) runs.reverse();
        for (const run of runs) await run();
        env.fake.reset();
        const d = durable[rep - 1] as { turn: number; spread: number };
        const i = inProcess[rep - 1] as { turn: number; spread: number };
        log(
          `[c] ${rep}/${reps}: durable turn ${format(d.turn, 'ms')} (tools started within ${format(d.spread, 'ms')}), in-process ${format(i.turn, 'ms')}`,
        );
      }
      const s = {
        durable: summarize(durable.map((d) => d.turn)),
        inProcess: summarize(inProcess.map((d) => d.turn)),
        over: summarize(durable.map((d, i) => d.turn - (inProcess[i]?.turn ?? NaN))),
        spread: summarize(durable.map((d) => d.spread)),
        inSpread: summarize(inProcess.map((d) => d.spread)),
      };
      return {
        id: 'c',
        title: this.title,
        reps,
        setup:
          `The first model reply asks for ${FAN_OUT} bench_step calls of ${TOOL_MS} ms each; the second answers. The turn is timed ` +
          'from the first model request to the second at the fake (no model latency), so it holds the model call, the fan-out ' +
          `and the hand-back. Serially the tools would take ${(FAN_OUT * TOOL_MS) / 1000} s.`,
        rows: [
          { label: 'ideal (the slowest tool)', unit: 'ms', fixed: format(TOOL_MS, 'ms') },
          { label: 'in-process loop (Promise.all)', unit: 'ms', summary: s.inProcess },
          {
            label: '**durable run**',
            unit: 'ms',
            summary: s.durable,
            versus: `${format(s.durable.median / TOOL_MS, 'ratio')} ideal, +${format(s.over.median, 'ms')} over in-process`,
          },
          { label: 'durable: first to last tool start', unit: 'ms', summary: s.spread },
          { label: 'in-process: first to last tool start', unit: 'ms', summary: s.inSpread },
        ],
        interpretation:
          `The ${FAN_OUT} tool activities run at once: the turn takes ${format(s.durable.median, 'ms')} against ${format(TOOL_MS, 'ms')} ideal ` +
          `(${format(s.inProcess.median, 'ms')} in memory), and the last tool starts ${format(s.spread.median, 'ms')} after the first. ` +
          `The ${format(s.durable.median - TOOL_MS, 'ms')} above ideal is paid once for the whole turn; one after another the same tools would take ${(FAN_OUT * TOOL_MS) / 1000} s.`,
      };
    } finally {
      await agent.stop();
    }
  },
};
