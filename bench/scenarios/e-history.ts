// (e) History bytes per turn: the durable run against a loop that sends the whole transcript with every model
// call (bench/baseline/workflows.ts, fullTranscriptRun). Both are measured: each run's history is fetched from
// the server and encoded with History.encode, as the integration tests do.
import { randomUUID } from 'node:crypto';
import type { temporal } from '@temporalio/proto';
import { DEFAULT_TASK_QUEUE, modelTaskQueue, PROGRESS_EVERY_CALLS } from '../../src/shared';
import { MAX_TOKENS, MODEL, UNLIMITED } from '../env';
import type { BenchEnv } from '../env';
import { activityPurpose } from '../explain';
import { atMost } from '../goals';
import {
  activityTypes,
  bytesPerTurn,
  chainHistories,
  eventKinds,
  eventParts,
  eventsByTurn,
} from '../history';
import type { EventKind } from '../history';
import type { Scenario, ScenarioContext } from '../scenario';
import { marker, promptFor, scriptChain } from '../script';
import type { Goal, Row } from '../scenario';
import { format, mean, summarize } from '../stats';
import type { Summary } from '../stats';
import { benchStep, benchStepLocal } from '../tools';
import { benchQueue } from '../queue';

/** Tool steps per run; the run makes one more model call for its answer. (p) runs the same jobs. */
export const TURNS = 30;
/** Tool result sizes: the 1 KiB of issue 10's goal, and one twenty times larger. */
export const SIZES = [1024, 20 * 1024];

/** Turn 2 is the first whose model call carries a tool result; turn TURNS is the last with a tool. */
const EARLY = 2;
const LATE = TURNS;
/**
 * Turns averaged at each end of the run to tell whether a turn grows: 8, two whole cycles of the progress
 * upsert (every PROGRESS_EVERY_CALLS model calls), so each window holds as many upserts.
 */
const WINDOW = 2 * PROGRESS_EVERY_CALLS;
/** Goals of issue 10 for 1 KiB results: bytes per turn, and turn 30 against turn 2 ("flat"). */
const GOAL_BYTES_PER_TURN = 3 * 1024;
const GOAL_GROWTH = 1.1;

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

interface Measured {
  total: number;
  /** Whole history ÷ model calls: the start and the end of the run included. */
  perTurn: number;
  /** Mean of the tool turns EARLY..LATE: what each further turn adds. */
  toolTurn: number;
  /** What the run writes once: its whole history less its tool turns at their mean. */
  once: number;
  early: number;
  late: number;
  /** Means of the first and the last WINDOW tool turns. */
  earlyWindow: number;
  lateWindow: number;
  /** Every event of the run's chain, to take a turn apart. */
  events: HistoryEvent[];
}

function measure(events: HistoryEvent[], total: number, modelActivity: string): Measured {
  const turns = bytesPerTurn(events, modelActivity);
  if (turns.length !== TURNS + 1) throw new Error(`expected ${TURNS + 1} model calls, found ${turns.length}`);
  /** Mean bytes of turns `from`..`to`, 1-based and inclusive. */
  const turnsMean = (from: number, to: number) => mean(turns.slice(from - 1, to));
  const toolTurn = turnsMean(EARLY, LATE);
  return {
    events,
    total,
    perTurn: total / (TURNS + 1),
    toolTurn,
    once: total - toolTurn * (LATE - EARLY + 1),
    early: turns[EARLY - 1] as number,
    late: turns[LATE - 1] as number,
    earlyWindow: turnsMean(EARLY, EARLY + WINDOW - 1),
    lateWindow: turnsMean(LATE - WINDOW + 1, LATE),
  };
}

async function durable(
  env: BenchEnv,
  taskQueue: string,
  bytes: number,
  label: string,
  tool = benchStep.name,
): Promise<Measured> {
  const mark = marker(label);
  scriptChain(env.fake, mark, { steps: TURNS, toolMs: 0, bytes, tool });
  const { handle } = await env.startRun(
    taskQueue,
    {
      prompt: promptFor(mark),
      model: MODEL,
      tools: [tool],
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

/** One turn of a durable run: its events by kind and its bytes by content. */
function turnOf(events: HistoryEvent[], turn: number) {
  const turnEvents = eventsByTurn(events, 'callClaude')[turn - 1] ?? [];
  return {
    count: turnEvents.length,
    kinds: eventKinds(turnEvents, activityTypes(events)),
    parts: eventParts(turnEvents),
  };
}

/** A table of the events of turn 2 and turn 30 by kind, and a sentence on what turn 30's bytes hold. */
function anatomy(events: HistoryEvent[], size: number): string[] {
  const early = turnOf(events, EARLY);
  const late = turnOf(events, LATE);
  const labels = [...new Set([...late.kinds, ...early.kinds].map((k) => k.label))];
  const cell = (kinds: EventKind[], label: string) => {
    const kind = kinds.find((k) => k.label === label);
    return kind ? `${kind.count} | ${format(kind.bytes, 'bytes')}` : '0 | —';
  };
  const p = late.parts;
  const rest = p.total - p.payloads - p.identities - p.queues;
  return [
    `What a durable turn is made of, with ${format(size, 'bytes')} results (the last repetition's run, events by type; ` +
      'an activity event names its activity):',
    '',
    `| event | turn ${EARLY}: events | bytes | turn ${LATE}: events | bytes |`,
    '|---|---:|---:|---:|---:|',
    ...labels.map((l) => `| ${l} | ${cell(early.kinds, l)} | ${cell(late.kinds, l)} |`),
    `| **whole turn** | ${early.count} | ${format(early.parts.total, 'bytes')} | ${late.count} | ${format(p.total, 'bytes')} |`,
    '',
    `Of turn ${LATE}'s ${format(p.total, 'bytes')}: payloads (activity inputs and results, search attribute values) ` +
      `${format(p.payloads, 'bytes')}, worker identities and build IDs ${format(p.identities, 'bytes')}, task queue ` +
      `names (the run's, its model-call queue, the worker's sticky queue) ${format(p.queues, 'bytes')}, and Temporal's ` +
      `own framing of the events (ids, times, timeouts, retry policies, field tags) ${format(rest, 'bytes')}.`,
  ];
}

/**
 * The kinds of events turn 30 has more of than turn 2, e.g. `1 × ActivityTaskScheduled (fitContext)`, and what
 * the activities among them are for.
 */
function addedLate(events: HistoryEvent[]): string {
  const early = turnOf(events, EARLY).kinds;
  const added = turnOf(events, LATE)
    .kinds.map((k) => ({ ...k, more: k.count - (early.find((e) => e.label === k.label)?.count ?? 0) }))
    .filter((k) => k.more > 0);
  if (added.length === 0) return '';
  const activities = [
    ...new Set(added.map((k) => /\((\w+)\)$/.exec(k.label)?.[1]).filter((a) => a !== undefined)),
  ];
  const why = activities
    .map((a) => activityPurpose(a))
    .filter((w) => w !== undefined)
    .join('; ');
  return (
    `; turn ${LATE} has events turn ${EARLY} has not: ${added.map((k) => `${k.more} × ${k.label}`).join(', ')}` +
    (why ? `: ${why}` : '')
  );
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
      const goals: Goal[] = [];
      const anatomies: string[] = [];
      let linear = true;
      let quadratic = true;
      const durablePerTurn: number[] = [];
      for (const size of SIZES) {
        const d: Measured[] = [];
        const f: Measured[] = [];
        // The same run with the step tool as a local activity (runAs: 'localActivity'), at the goal's size.
        const local: Measured[] = [];
        for (let rep = 1; rep <= reps; rep++) {
          d.push(await durable(env, queue, size, `e durable ${size} ${rep}`));
          f.push(await fullTranscript(env, `${queue}-full`, size, `e full ${size} ${rep}`));
          if (size === SIZES[0])
            local.push(await durable(env, queue, size, `e local ${size} ${rep}`, benchStepLocal.name));
          env.fake.reset();
          log(
            `[e] ${format(size, 'bytes')} results ${rep}/${reps}: durable ${format(d[rep - 1]?.toolTurn ?? NaN, 'bytes')}/tool turn, ` +
              `full transcript ${format(f[rep - 1]?.perTurn ?? NaN, 'bytes')}/turn`,
          );
        }
        type Figure = 'total' | 'perTurn' | 'toolTurn' | 'once' | 'early' | 'late';
        const of = (xs: Measured[], key: Figure): Summary => summarize(xs.map((x) => x[key]));
        const ratio = summarize(f.map((x, i) => x.total / (d[i]?.total ?? NaN)));
        const growth = (xs: Measured[]) => summarize(xs.map((x) => x.late / x.early));
        const windowGrowth = (xs: Measured[]) => summarize(xs.map((x) => x.lateWindow / x.earlyWindow));
        const label = `${format(size, 'bytes')} results`;
        rows.push(
          {
            label: `${label}: **durable, bytes per tool turn** (mean of turns ${EARLY}–${LATE})`,
            unit: 'bytes',
            summary: of(d, 'toolTurn'),
          },
          {
            label: `${label}: durable, written once a run (start, tool pinning, the answer and the run's end)`,
            unit: 'bytes',
            summary: of(d, 'once'),
          },
          {
            label: `${label}: durable, whole history ÷ model calls`,
            unit: 'bytes',
            summary: of(d, 'perTurn'),
          },
          ...(local.length > 0
            ? [
                {
                  label: `${label}: durable, tool as a local activity, bytes per tool turn`,
                  unit: 'bytes' as const,
                  summary: of(local, 'toolTurn'),
                  versus: `${format(summarize(local.map((x, i) => x.toolTurn / (d[i]?.toolTurn ?? NaN))).median, 'ratio')} the regular tool`,
                },
              ]
            : []),
          {
            label: `${label}: full transcript, bytes per turn`,
            unit: 'bytes',
            summary: of(f, 'perTurn'),
            versus: `${format(ratio.median, 'ratio')} durable`,
          },
          {
            label: `${label}: durable, turn ${LATE} (late)`,
            unit: 'bytes',
            summary: of(d, 'late'),
            versus: `${format(growth(d).median, 'ratio')} turn ${EARLY}`,
          },
          {
            label: `${label}: full transcript, turn ${LATE} (late)`,
            unit: 'bytes',
            summary: of(f, 'late'),
            versus: `${format(growth(f).median, 'ratio')} turn ${EARLY}`,
          },
          { label: `${label}: durable, whole history`, unit: 'bytes', summary: of(d, 'total') },
          { label: `${label}: full transcript, whole history`, unit: 'bytes', summary: of(f, 'total') },
        );
        linear &&= growth(d).median < 1.5;
        durablePerTurn.push(of(d, 'perTurn').median);
        quadratic &&= growth(f).median > TURNS / 4;
        const last = d[d.length - 1];
        const added = last ? addedLate(last.events) : '';
        notes.push(
          `with ${format(size, 'bytes')} results the durable history takes ${format(of(d, 'toolTurn').median, 'bytes')} a tool turn ` +
            `and ${format(of(d, 'once').median, 'bytes')} once a run (${format(of(d, 'perTurn').median, 'bytes')} per model call in all; ` +
            `turn ${LATE} costs ${format(growth(d).median, 'ratio')} turn ${EARLY}` +
            added +
            `) and the full-transcript history ${format(of(f, 'perTurn').median, 'bytes')} (turn ${LATE} costs ` +
            `${format(growth(f).median, 'ratio')} turn ${EARLY}), ${format(ratio.median, 'ratio')} as much in all`,
        );
        if (size === SIZES[0]) {
          const turnBytes = `${format(of(d, 'late').median, 'bytes')} for turn ${LATE}`;
          goals.push(
            atMost(
              `history bytes per turn, ${label} (mean of tool turns ${EARLY}–${LATE})`,
              of(d, 'toolTurn'),
              'bytes',
              GOAL_BYTES_PER_TURN,
              `${turnBytes}; ${format(of(d, 'perTurn').median, 'bytes')} per model call counting what a run writes once; see what a turn is made of below`,
            ),
            atMost(
              `history flat from turn ${EARLY} to ${LATE}, ${label}: turns ${LATE - WINDOW + 1}–${LATE} ÷ turns ${EARLY}–${EARLY + WINDOW - 1}`,
              windowGrowth(d),
              'ratio',
              GOAL_GROWTH,
            ),
          );
          if (last) anatomies.push(...anatomy(last.events, size));
        }
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
          'events from one model call being scheduled to the next, and a tool turn one of turns 2–30 (turn 1 holds the ' +
          "run's first request, turn 31 the answer and the run's end). The local-activity row is the durable run with the " +
          "step tool declared `runAs: 'localActivity'`. The durable runs use the task queue " +
          `\`${queue}\` (${queue.length} characters; model calls go to \`${modelTaskQueue(queue)}\`), against ` +
          `${DEFAULT_TASK_QUEUE.length} for the default \`${DEFAULT_TASK_QUEUE}\`: a queue name is written into several events ` +
          'of every turn. (The Temporal SDK prints warnings during this scenario: the full-transcript payloads pass its ' +
          '512 KiB warning size.)',
        rows,
        goals,
        interpretation: [
          `${notes.map((n) => n.charAt(0).toUpperCase() + n.slice(1)).join('. ')}. ` +
            (linear
              ? `A durable turn costs about the same at turn ${LATE} as at turn ${EARLY}, so its history grows linearly with the run`
              : 'The durable turns get larger as the run goes on, so its history does not grow linearly') +
            (quadratic
              ? '; a full-transcript turn grows with the conversation, so that history grows with its square.'
              : '.') +
            ((durablePerTurn[0] ?? 0) > 1.05 * (durablePerTurn[1] ?? Infinity)
              ? ` A durable turn with ${format(SIZES[0] as number, 'bytes')} results costs more than one with ${format(SIZES[1] as number, 'bytes')} ` +
                'results: some of a result is still in history (see TOOL_RESULT_INLINE_BYTES in src/store/transcript.ts).'
              : ''),
          '',
          ...anatomies,
        ].join('\n'),
      };
    } finally {
      await agent.stop();
      await baseline.stop();
    }
  },
};
