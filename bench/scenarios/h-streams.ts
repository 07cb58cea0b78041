// (h) Live event streams: how long a text delta takes from the fake Claude writing it to a watchRun reader
// seeing it, on the default backend (files beside the message store) and on Redis (a redis-server this scenario
// starts), and what streaming costs in history (a run on a worker with DURABLE_AGENT_STREAM=off against one
// that streams).
import { randomUUID } from 'node:crypto';
import { watchRun } from '../../src/client';
import type { StreamEvent } from '../../src/shared';
import { OFF_BACKEND } from '../../src/streams/backend';
import type { StreamBackend } from '../../src/streams/backend';
import { openStreamBackend } from '../../src/streams/open';
import { startRedisServer } from '../../test/helpers/redis-server';
import { deltaLatencies, longAnswer } from '../../test/helpers/stream-checks';
import { MODEL, UNLIMITED } from '../env';
import type { BenchEnv } from '../env';
import { atMost } from '../goals';
import { activityTypes, bytesPerTurn, chainHistories, eventBytes } from '../history';
import type { temporal } from '@temporalio/proto';
import type { Goal, Row, Scenario, ScenarioContext } from '../scenario';
import { marker, promptFor, scriptChain } from '../script';
import { format, summarize } from '../stats';
import { benchStep } from '../tools';
import { benchQueue } from '../queue';

const DELTAS = 50;
const DELTA_GAP_MS = 20;
const TURNS = 10;
/** Issue 11's goals for a delta to reach a reader, by backend. */
const GOAL_MS = { store: 250, redis: 50 };

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Median delta→reader latency of one streamed answer. */
async function latencyOfOneRun(env: BenchEnv, queue: string, backend: StreamBackend, label: string) {
  const mark = marker(label);
  env.fake.script([{ content: longAnswer(200), deltas: DELTAS, chunkDelayMs: DELTA_GAP_MS }], {
    match: mark,
  });
  const { handle } = await env.startRun(
    queue,
    { prompt: promptFor(mark), model: MODEL },
    `bench-h-${randomUUID().slice(0, 8)}`,
  );
  const events: Array<StreamEvent & { seenAt: number }> = [];
  for await (const event of watchRun(env.client, handle.workflowId, { backend }))
    events.push({ ...event, seenAt: Date.now() });
  await handle.result();
  const request = env.fake.requests.find((r) => r.match === mark);
  if (!request?.textDeltaAt || request.textDeltaAt.length !== DELTAS)
    throw new Error('the fake did not stream');
  const latencies = deltaLatencies(events, request);
  if (latencies.length !== DELTAS) throw new Error(`matched ${latencies.length} of ${DELTAS} deltas`);
  return summarize(latencies).median;
}

async function historyPerTurn(env: BenchEnv, queue: string, label: string) {
  const mark = marker(label);
  scriptChain(env.fake, mark, { steps: TURNS, toolMs: 0 });
  const { handle } = await env.startRun(
    queue,
    {
      prompt: promptFor(mark),
      model: MODEL,
      tools: [benchStep.name],
      limits: { maxIterations: TURNS + 5, ...UNLIMITED },
    },
    `bench-h-history-${randomUUID().slice(0, 8)}`,
  );
  await handle.result();
  const runs = await chainHistories(env.historyClient, handle.workflowId);
  const events = runs.flatMap((r) => r.events);
  const turns = bytesPerTurn(events, 'callClaude').length;
  return { perTurn: runs.reduce((sum, r) => sum + r.bytes, 0) / turns, stream: streamShare(events, turns) };
}

/**
 * What of a history is there for the stream: the events carried in model calls' inputs, the publishEvents
 * activity's events. (Runs pinned before streams have no streamEvents in their plan and skip it.)
 */
function streamShare(events: HistoryEvent[], turns: number): { bytesPerTurn: number; extraEvents: number } {
  let bytes = 0;
  let extraEvents = 0;
  const types = activityTypes(events);
  for (const event of events) {
    const name = types.get(event);
    const data = event.activityTaskScheduledEventAttributes?.input?.payloads?.[0]?.data;
    if (name === 'callClaude' && data) {
      const input = JSON.parse(Buffer.from(data).toString('utf8')) as { events?: unknown[] };
      if (input.events) bytes += Buffer.byteLength(JSON.stringify(input.events));
    }
    if (name === 'publishEvents') {
      bytes += eventBytes(event);
      extraEvents += 1;
    }
  }
  return { bytesPerTurn: bytes / turns, extraEvents };
}

export const streams: Scenario = {
  id: 'h',
  title: 'Live event streams: delta latency and history cost',
  async run({ env, reps, log }: ScenarioContext) {
    const redis = await startRedisServer();
    const backends: Array<[keyof typeof GOAL_MS, string, StreamBackend]> = [
      [
        'store',
        'default (files beside the message store)',
        await openStreamBackend({ stream: { kind: 'store' }, storeDir: env.storeDir, codecs: [] }),
      ],
      [
        'redis',
        'Redis Streams',
        await openStreamBackend({ stream: { kind: 'redis', url: redis.url }, storeDir: '', codecs: [] }),
      ],
    ];
    const rows: Row[] = [];
    const medians: number[] = [];
    const goals: Goal[] = [];
    try {
      for (const [kind, name, backend] of backends) {
        const queue = benchQueue('h');
        const worker = await env.startAgentWorker(queue, backend);
        try {
          await latencyOfOneRun(env, queue, backend, `h warm-up ${name}`);
          const perRun: number[] = [];
          for (let rep = 1; rep <= reps; rep++) {
            perRun.push(await latencyOfOneRun(env, queue, backend, `h ${name} ${rep}`));
            log(`[h] ${name} ${rep}/${reps}: median delta→reader ${format(perRun[rep - 1] as number, 'ms')}`);
          }
          const summary = summarize(perRun);
          medians.push(summary.median);
          goals.push(atMost(`live stream: delta → reader latency, ${name}`, summary, 'ms', GOAL_MS[kind]));
          rows.push({
            label: `**${name}: delta → reader latency** (median of each run's deltas)`,
            unit: 'ms',
            summary,
          });
        } finally {
          await worker.stop();
        }
      }
      const sizes: Record<'on' | 'off', number[]> = { on: [], off: [] };
      const shares: Array<{ bytesPerTurn: number; extraEvents: number }> = [];
      for (const [mode, backend] of [
        ['on', backends[0]?.[2] as StreamBackend],
        ['off', OFF_BACKEND],
      ] as const) {
        const queue = benchQueue(`h-${mode}`);
        const worker = await env.startAgentWorker(queue, backend);
        try {
          for (let rep = 1; rep <= reps; rep++) {
            const measured = await historyPerTurn(env, queue, `h history ${mode} ${rep}`);
            sizes[mode].push(measured.perTurn);
            if (mode === 'on') shares.push(measured.stream);
          }
        } finally {
          await worker.stop();
        }
        log(`[h] history per turn, streaming ${mode}: ${format(summarize(sizes[mode]).median, 'bytes')}`);
      }
      const on = summarize(sizes.on);
      const off = summarize(sizes.off);
      rows.push(
        {
          label: `history bytes per turn, streaming (default backend)`,
          unit: 'bytes',
          summary: on,
          versus: `${format(on.median / off.median, 'ratio')} off`,
        },
        { label: `history bytes per turn, DURABLE_AGENT_STREAM=off`, unit: 'bytes', summary: off },
        {
          label: `of which stream events carried in history, per turn`,
          unit: 'bytes',
          summary: summarize(shares.map((x) => x.bytesPerTurn)),
        },
        {
          label: `extra history events per run for the stream (the publishEvents activity)`,
          unit: 'count',
          summary: summarize(shares.map((x) => x.extraEvents)),
        },
      );
      const share = summarize(shares.map((x) => x.bytesPerTurn)).median;
      const extra = summarize(shares.map((x) => x.extraEvents)).median;
      env.fake.reset();
      return {
        id: 'h',
        title: 'Live event streams: delta latency and history cost',
        setup:
          `One answer per run streamed by the fake in ${DELTAS} text deltas ${DELTA_GAP_MS} ms apart; a watchRun reader in the bench process follows the run. ` +
          `Latency is from the fake writing a delta to the reader holding text that includes it (the model-call activity batches deltas for up to 25 ms; the file reader polls every 20 ms; the Redis reader blocks in XREAD). ` +
          `Each repetition's figure is the median over its ${DELTAS} deltas; one warm-up run per backend first. Redis is a local redis-server (\`--save '' --appendonly no\`). ` +
          `History: ${TURNS}-step tool chains on a worker that streams to files and on one with streams off, whole history bytes over model calls.`,
        rows,
        goals,
        interpretation:
          `A delta reaches a reader in ${format(medians[0] ?? NaN, 'ms')} on the default backend and ${format(medians[1] ?? NaN, 'ms')} on Redis, the 25 ms batching included. ` +
          `History per turn is ${format(on.median, 'bytes')} with streaming and ${format(off.median, 'bytes')} with it off: the workflow makes the same decisions either way (the stream's backend is the worker's business), ` +
          `so what streaming costs in history is the same in both: ${format(share, 'bytes')} per turn of turn_finished/tool_finished events carried in the next model call's input and the run-end activity, and ${format(extra, 'count')} extra events per run (one publishEvents activity), whatever the length of the answer; deltas never enter history.`,
        reps,
      };
    } finally {
      await Promise.all(backends.map(([, , b]) => b.close()));
      await redis.stop();
    }
  },
};
