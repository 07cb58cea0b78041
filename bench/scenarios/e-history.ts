// (e) History bytes per turn: the durable run against a loop that sends the whole transcript with every model
// call (bench/baseline/workflows.ts, fullTranscriptRun). Both are measured: each run's history is fetched from
// the server and encoded with History.encode, as the integration tests do.
import { randomUUID } from 'node:crypto';
import { MAX_TOKENS, MODEL, UNLIMITED } from '../env';
import type { BenchEnv } from '../env';
import { bytesPerTurn, chainHistories } from '../history';
import type { Scenario, ScenarioContext } from '../scenario';
import { marker, promptFor, scriptChain } from '../script';
import type { Row } from '../scenario';
import { format, summarize } from '../stats';
import type { Summary } from '../stats';
import { benchStep } from '../tools';
import { benchQueue } from '../queue';

/** Tool steps per run; the run makes one more model call for its answer. */
const TURNS = 30;
/** Tool result sizes: one under the 2 KiB out-of-line threshold of other content, one far over it. */
const SIZES = [1024, 20 * 1024];

interface Measured {
  total: number;
  perTurn: number;
  early: number;
  late: number;
}

function measure(events: Parameters<typeof bytesPerTurn>[0], total: number, modelActivity: string): Measured {
  const turns = bytesPerTurn(events, modelActivity);
  if (turns.length !== TURNS + 1) throw new Error(`expected ${TURNS + 1} model calls, found ${turns.length}`);
  return {
    total,
    perTurn: total / (TURNS + 1),
    // Turn 2 is the first whose model call carries a tool result; turn TURNS is the last with a tool.
    early: turns[1] as number,
    late: turns[TURNS - 1] as number,
  };
}

async function durable(env: BenchEnv, taskQueue: string, bytes: number, label: string): Promise<Measured> {
  const mark = marker(label);
  scriptChain(env.fake, mark, { steps: TURNS, toolMs: 0, bytes });
  const { handle } = await env.startRun(
    taskQueue,
    {
      prompt: promptFor(mark),
      model: MODEL,
      tools: [benchStep.name],
      limits: { maxIterations: TURNS + 5, ...UNLIMITED },
    },
    `bench-e-${randomUUID().slice(0, 8)}`,
  );
  await handle.result();
  const runs = await chainHistories(env.historyClient, handle.workflowId);
  const events = runs.flatMap((r) => r.events);
  return measure(
    events,
    runs.reduce((sum, r) => sum + r.bytes, 0),
    'callClaude',
  );
}

async function fullTranscript(
  env: BenchEnv,
  taskQueue: string,
  bytes: number,
  label: string,
): Promise<Measured> {
  const mark = marker(label);
  scriptChain(env.fake, mark, { steps: TURNS, toolMs: 0, bytes });
  const workflowId = `bench-e-full-${randomUUID().slice(0, 8)}`;
  const handle = await env.client.workflow.start('fullTranscriptRun', {
    taskQueue,
    workflowId,
    args: [{ prompt: promptFor(mark), model: MODEL, maxTokens: MAX_TOKENS, maxIterations: TURNS + 5 }],
  });
  await handle.result();
  const [run] = await chainHistories(env.historyClient, workflowId);
  if (!run) throw new Error('no history');
  return measure(run.events, run.bytes, 'callModelFull');
}

export const historySize: Scenario = {
  id: 'e',
  title: 'History bytes per turn',
  async run({ env, reps, log }: ScenarioContext) {
    const queue = benchQueue('e');
    const agent = await env.startAgentWorker(queue);
    const baseline = await env.startBaselineWorker(`${queue}-full`);
    try {
      const rows: Row[] = [];
      const notes: string[] = [];
      let linear = true;
      let quadratic = true;
      const durablePerTurn: number[] = [];
      for (const size of SIZES) {
        const d: Measured[] = [];
        const f: Measured[] = [];
        for (let rep = 1; rep <= reps; rep++) {
          d.push(await durable(env, queue, size, `e durable ${size} ${rep}`));
          f.push(await fullTranscript(env, `${queue}-full`, size, `e full ${size} ${rep}`));
          env.fake.reset();
          log(
            `[e] ${format(size, 'bytes')} results ${rep}/${reps}: durable ${format(d[rep - 1]?.perTurn ?? NaN, 'bytes')}/turn, ` +
              `full transcript ${format(f[rep - 1]?.perTurn ?? NaN, 'bytes')}/turn`,
          );
        }
        const of = (xs: Measured[], key: keyof Measured): Summary => summarize(xs.map((x) => x[key]));
        const ratio = summarize(f.map((x, i) => x.total / (d[i]?.total ?? NaN)));
        const growth = (xs: Measured[]) => summarize(xs.map((x) => x.late / x.early));
        const label = `${format(size, 'bytes')} results`;
        rows.push(
          { label: `${label}: **durable, bytes per turn**`, unit: 'bytes', summary: of(d, 'perTurn') },
          {
            label: `${label}: full transcript, bytes per turn`,
            unit: 'bytes',
            summary: of(f, 'perTurn'),
            versus: `${format(ratio.median, 'ratio')} durable`,
          },
          {
            label: `${label}: durable, turn ${TURNS} (late)`,
            unit: 'bytes',
            summary: of(d, 'late'),
            versus: `${format(growth(d).median, 'ratio')} turn 2`,
          },
          {
            label: `${label}: full transcript, turn ${TURNS} (late)`,
            unit: 'bytes',
            summary: of(f, 'late'),
            versus: `${format(growth(f).median, 'ratio')} turn 2`,
          },
          { label: `${label}: durable, whole history`, unit: 'bytes', summary: of(d, 'total') },
          { label: `${label}: full transcript, whole history`, unit: 'bytes', summary: of(f, 'total') },
        );
        linear &&= growth(d).median < 1.5;
        durablePerTurn.push(of(d, 'perTurn').median);
        quadratic &&= growth(f).median > TURNS / 4;
        notes.push(
          `with ${format(size, 'bytes')} results the durable history takes ${format(of(d, 'perTurn').median, 'bytes')} a turn ` +
            `(turn ${TURNS} costs ${format(growth(d).median, 'ratio')} turn 2) and the full-transcript history ` +
            `${format(of(f, 'perTurn').median, 'bytes')} (turn ${TURNS} costs ${format(growth(f).median, 'ratio')} turn 2), ` +
            `${format(ratio.median, 'ratio')} as much in all`,
        );
      }
      return {
        id: 'e',
        title: this.title,
        reps,
        setup:
          `Runs of ${TURNS} tool turns and a final answer, each tool returning a result of the given size; the durable run uses ` +
          'its defaults (prompt caching on). Measured, not computed: the full-transcript design is a real workflow ' +
          '(bench/baseline/workflows.ts) whose model-call activity takes the whole conversation as input and returns the ' +
          'reply, on the same server and fake script. Bytes are History.encode of every run of the chain; a turn is the ' +
          'events from one model call being scheduled to the next. (The Temporal SDK prints warnings during this scenario: ' +
          'the full-transcript payloads pass its 512 KiB warning size.)',
        rows,
        interpretation:
          `${notes.map((n) => n.charAt(0).toUpperCase() + n.slice(1)).join('. ')}. ` +
          (linear
            ? 'A durable turn costs the same at turn 30 as at turn 2, so its history grows linearly with the run'
            : 'The durable turns get larger as the run goes on, so its history does not grow linearly') +
          (quadratic
            ? '; a full-transcript turn grows with the conversation, so that history grows with its square.'
            : '.') +
          ((durablePerTurn[0] ?? 0) > 1.05 * (durablePerTurn[1] ?? Infinity)
            ? ` A durable turn with ${format(SIZES[0] as number, 'bytes')} results costs more than one with ${format(SIZES[1] as number, 'bytes')} ` +
              'results: some of a result is still in history (see TOOL_RESULT_INLINE_BYTES in src/store/transcript.ts).'
            : ` Both sizes cost the same: a tool result over TOOL_RESULT_INLINE_BYTES (src/store/transcript.ts) leaves only its reference in history, once in the tool activity's result and once in the next model call's input, whatever its size.`),
      };
    } finally {
      await agent.stop();
      await baseline.stop();
    }
  },
};
