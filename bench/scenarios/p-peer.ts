// (p) A real peer side by side: Temporal's own Vercel AI SDK integration (@temporalio/ai-sdk, bench/peer/)
// against durable-agent, with the bare Temporal baselines, on the same server, fake turns and tool, interleaved
// per repetition. Both agents run as worker processes of their own (the peer must: it pins another
// @temporalio/* version), and both log every tool attempt the same way, so every figure is read from the same
// kind of record: the fake's requests, the execution log, the server's history.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildWorker, ExecutionEntry } from '../../test/helpers/child-worker';
import { readExecutions, waitFor } from '../../test/helpers/child-worker';
import { DEFAULT_HEARTBEAT_TIMEOUT_MS } from '../../src/shared';
import { UNLIMITED, MODEL } from '../env';
import type { BenchEnv, RunningWorker } from '../env';
import { describeGroups, eventGroups, extraEvents, listExtra } from '../explain';
import { ahead } from '../goals';
import { activityTypes, bytesPerTurn, chainHistories, eventTime } from '../history';
import { ensurePeerInstalled, runPeer, startPeerRun, startPeerWorker } from '../peer-worker';
import type { Goal, Row, Scenario, ScenarioContext, Section } from '../scenario';
import { marker, promptFor, requestsOf, scriptChain, stepTimes } from '../script';
import { format, mean, summarize } from '../stats';
import type { Unit } from '../stats';
import { benchStep } from '../tools';
import { benchQueue } from '../queue';
// The same jobs as the sections they compare with: per-step overhead and warm-up of (a), the fan-out turn of (c),
// the history runs of (e), the crash of (f).
import { BURST, MODEL_MS, STEPS, TOOL_MS } from './a-overhead';
import { FAN_OUT, TOOL_MS as FAN_OUT_MS } from './c-fan-out';
import { SIZES, TURNS } from './e-history';
import { CRASH_STEP, crashJob, INTO_TOOL_MS } from './fg-crash';

const CRASH_STEPS = crashJob.steps;

type Side = 'durable' | 'peer';

/** The workers of one side: a queue, worker processes on it and their shared execution log. */
interface Pool {
  side: Side;
  queue: string;
  log: string;
  workers: ChildWorker[];
}

async function startPool(env: BenchEnv, side: Side, count: number): Promise<Pool> {
  const queue = benchQueue(`p-${side}`);
  const log = path.join(env.dir, `p-${side}-executions.jsonl`);
  const workers: ChildWorker[] = [];
  // One after the other: the first peer worker bundles the workflow code that the others then read.
  for (let i = 0; i < count; i++) workers.push(await startWorker(env, side, queue, log));
  return { side, queue, log, workers };
}

function startWorker(env: BenchEnv, side: Side, queue: string, log: string): Promise<ChildWorker> {
  return side === 'durable' ? env.startChildWorker(queue, log) : startPeerWorker(env, queue, log);
}

/** Runs the job scripted under `mark` on one side to its end; `steps` tool steps. */
async function runJob(env: BenchEnv, pool: Pool, mark: string, steps: number): Promise<string> {
  const workflowId = `bench-p-${pool.side}-${randomUUID().slice(0, 8)}`;
  if (pool.side === 'peer') {
    await runPeer(env, pool.queue, mark, steps, workflowId);
    return workflowId;
  }
  const result = await env.run(pool.queue, durableInput(mark, steps), workflowId);
  if (result.status !== 'completed' || result.toolCalls.length !== steps)
    throw new Error(
      `durable run ${workflowId} ended ${result.status} with ${result.toolCalls.length} tool calls`,
    );
  return workflowId;
}

// No cache markers: the peer sends none, so both send the same requests.
const durableInput = (mark: string, steps: number) => ({
  prompt: promptFor(mark),
  model: MODEL,
  tools: [benchStep.name],
  promptCaching: false,
  limits: { maxIterations: steps + 5, ...UNLIMITED },
});

/** Puts a side's workers in their steady state: a short job of plain steps right before the timed one. */
async function warm(env: BenchEnv, pool: Pool): Promise<void> {
  const mark = marker(`p warm ${pool.side}`);
  scriptChain(env.fake, mark, { steps: BURST, toolMs: 0 });
  await runJob(env, pool, mark, BURST);
}

/** Tool starts of one run, from the execution log (its idempotency keys start with the workflow id). */
function toolStarts(pool: Pool, workflowId: string): ExecutionEntry[] {
  const entries = readExecutions(pool.log);
  const calls = new Set(
    entries.filter((e) => e.idempotencyKey?.startsWith(`${workflowId}/`)).map((e) => e.toolUseId),
  );
  return entries.filter((e) => e.event === 'start' && calls.has(e.toolUseId));
}

// ---- the four measurements, one run each ----

/** A step's time, and how much of it the model-call and tool activities spent running (from history). */
interface StepRun {
  step: number;
  modelRun: number;
  toolRun: number;
}

const MODEL_ACTIVITY: Record<Side, string> = { durable: 'callClaude', peer: 'invokeModel' };
const TOOL_ACTIVITY: Record<Side, string> = { durable: 'runTool', peer: 'benchStep' };
/** Both sides' model and tool activities under one name, so their histories compare group by group. */
const ROLES: Record<string, string> = {
  callClaude: 'model call',
  invokeModel: 'model call',
  runTool: 'tool call',
  benchStep: 'tool call',
  callModelFull: 'model call',
};

/** Mean started → completed time of each activity type in a run's history. */
async function activityRunTimes(env: BenchEnv, workflowId: string): Promise<Map<string, number>> {
  const events = (await chainHistories(env.historyClient, workflowId)).flatMap((r) => r.events);
  const types = activityTypes(events);
  const startedAt = new Map<string, number>();
  const runs = new Map<string, number[]>();
  for (const e of events) {
    const started = e.activityTaskStartedEventAttributes;
    if (started) startedAt.set(String(started.scheduledEventId), eventTime(e));
    const completed = e.activityTaskCompletedEventAttributes;
    if (completed) {
      const type = types.get(e) ?? '?';
      const ran = eventTime(e) - (startedAt.get(String(completed.scheduledEventId)) ?? NaN);
      runs.set(type, [...(runs.get(type) ?? []), ran]);
    }
  }
  return new Map([...runs].map(([type, xs]) => [type, mean(xs)]));
}

async function stepRun(env: BenchEnv, pool: Pool, rep: number): Promise<StepRun> {
  await warm(env, pool);
  const mark = marker(`p steps ${pool.side} ${rep}`);
  scriptChain(env.fake, mark, { steps: STEPS, toolMs: TOOL_MS, delayMs: MODEL_MS });
  const workflowId = await runJob(env, pool, mark, STEPS);
  const runTimes = await activityRunTimes(env, workflowId);
  return {
    step: mean(stepTimes(env.fake, mark)),
    modelRun: runTimes.get(MODEL_ACTIVITY[pool.side]) ?? NaN,
    toolRun: runTimes.get(TOOL_ACTIVITY[pool.side]) ?? NaN,
  };
}

async function bareStepRun(env: BenchEnv, queue: string): Promise<number> {
  const startedAt = (await env.client.workflow.execute('bareSteps', {
    taskQueue: queue,
    workflowId: `bench-p-bare-${randomUUID()}`,
    args: [STEPS + 1, MODEL_MS, TOOL_MS],
  })) as number[];
  return ((startedAt[startedAt.length - 1] as number) - (startedAt[0] as number)) / STEPS;
}

interface FanOutRun {
  turn: number;
  spread: number;
}

async function fanOutRun(env: BenchEnv, pool: Pool, rep: number): Promise<FanOutRun> {
  await warm(env, pool);
  const mark = marker(`p fan-out ${pool.side} ${rep}`);
  scriptChain(env.fake, mark, { steps: FAN_OUT, fanOut: FAN_OUT, toolMs: FAN_OUT_MS });
  const workflowId = await runJob(env, pool, mark, FAN_OUT);
  const [turn] = stepTimes(env.fake, mark, FAN_OUT);
  const starts = toolStarts(pool, workflowId).map((e) => e.at);
  if (turn === undefined || starts.length !== FAN_OUT)
    throw new Error(`fan-out ${mark} ran ${starts.length} tools, not ${FAN_OUT}`);
  return { turn, spread: Math.max(...starts) - Math.min(...starts) };
}

async function bareFanOutRun(env: BenchEnv, queue: string): Promise<number> {
  const [start, end] = (await env.client.workflow.execute('bareFanOut', {
    taskQueue: queue,
    workflowId: `bench-p-bare-fan-out-${randomUUID()}`,
    args: [0, FAN_OUT, FAN_OUT_MS],
  })) as number[];
  return (end as number) - (start as number);
}

interface HistoryRun {
  perTurn: number;
  eventsPerTurn: number;
  early: number;
  late: number;
  total: number;
  /** Events per turn by what wrote them (bench/explain.ts). */
  groups: Map<string, number>;
}

async function measureHistory(env: BenchEnv, workflowId: string, modelActivity: string): Promise<HistoryRun> {
  const runs = await chainHistories(env.historyClient, workflowId);
  const events = runs.flatMap((r) => r.events);
  const turns = bytesPerTurn(events, modelActivity);
  if (turns.length !== TURNS + 1)
    throw new Error(`${workflowId}: ${turns.length} model calls, not ${TURNS + 1}`);
  const total = runs.reduce((sum, r) => sum + r.bytes, 0);
  return {
    total,
    perTurn: total / (TURNS + 1),
    eventsPerTurn: events.length / (TURNS + 1),
    groups: eventGroups(events, TURNS + 1, ROLES),
    // Turn 2 is the first whose model call carries a tool result; turn TURNS is the last with a tool.
    early: turns[1] as number,
    late: turns[TURNS - 1] as number,
  };
}

async function historyRun(env: BenchEnv, pool: Pool, bytes: number, rep: number): Promise<HistoryRun> {
  const mark = marker(`p history ${pool.side} ${bytes} ${rep}`);
  scriptChain(env.fake, mark, { steps: TURNS, toolMs: 0, bytes });
  const workflowId = await runJob(env, pool, mark, TURNS);
  return measureHistory(env, workflowId, pool.side === 'peer' ? 'invokeModel' : 'callClaude');
}

async function bareHistoryRun(env: BenchEnv, queue: string, bytes: number, rep: number): Promise<HistoryRun> {
  const mark = marker(`p history full ${bytes} ${rep}`);
  scriptChain(env.fake, mark, { steps: TURNS, toolMs: 0, bytes });
  const workflowId = `bench-p-full-${randomUUID().slice(0, 8)}`;
  await env.client.workflow.execute('fullTranscriptRun', {
    taskQueue: queue,
    workflowId,
    args: [{ prompt: promptFor(mark), model: MODEL, maxTokens: 8192, maxIterations: TURNS + 5 }],
  });
  return measureHistory(env, workflowId, 'callModelFull');
}

interface RecoveryRun {
  /** The tool activity's heartbeat timeout as the run scheduled it, in seconds (0: none). */
  heartbeatTimeout: number;
  /** Its start-to-close timeout, in seconds. */
  startToClose: number;
  /** Kill → the tool's retry started on the other worker process. */
  detection: number;
  /** Kill → the model request of the next turn (the step finished and handed back). */
  toNextStep: number;
  /** Tool attempts beyond one per step. */
  toolsAgain: number;
}

/** A job on two worker processes; the one running tool 4 gets SIGKILL 500 ms into it, and is replaced after. */
async function recoveryRun(env: BenchEnv, pool: Pool, rep: number): Promise<RecoveryRun> {
  const mark = marker(`p crash ${pool.side} ${rep}`);
  scriptChain(env.fake, mark, crashJob);
  const workflowId = `bench-p-crash-${pool.side}-${randomUUID().slice(0, 8)}`;
  const handle =
    pool.side === 'peer'
      ? await startPeerRun(env, pool.queue, mark, CRASH_STEPS, workflowId)
      : (await env.startRun(pool.queue, durableInput(mark, CRASH_STEPS), workflowId)).handle;
  const firstStart = () =>
    toolStarts(pool, workflowId).find((e) => e.attempt === 1 && Number(e.input?.n) === CRASH_STEP);
  let started: ExecutionEntry | undefined;
  await waitFor(
    `${pool.side} tool ${CRASH_STEP} to start`,
    () => (started = firstStart()) !== undefined,
    60_000,
  );
  const first = started as ExecutionEntry;
  const victim = pool.workers.find((w) => w.process.pid === first.pid);
  if (!victim) throw new Error(`tool ${CRASH_STEP} ran in pid ${first.pid}, not in a ${pool.side} worker`);
  await sleep(Math.max(0, first.at + INTO_TOOL_MS - Date.now()));
  const killedAt = Date.now();
  await victim.kill();
  await handle.result();
  const starts = toolStarts(pool, workflowId);
  const retry = starts.find((e) => e.attempt === 2 && e.toolUseId === first.toolUseId);
  const next = requestsOf(env.fake, mark).find((r) => r.turn === CRASH_STEP + 1);
  if (!retry || !next)
    throw new Error(`${pool.side} run ${workflowId}: no retry of tool ${CRASH_STEP} found`);
  if (retry.pid === victim.process.pid) throw new Error(`${pool.side} retry ran in the killed process`);
  pool.workers = pool.workers.filter((w) => w !== victim);
  pool.workers.push(await startWorker(env, pool.side, pool.queue, pool.log));
  const events = (await chainHistories(env.historyClient, workflowId)).flatMap((r) => r.events);
  const scheduled = events
    .map((e) => e.activityTaskScheduledEventAttributes)
    .find((a) => a?.activityType?.name === TOOL_ACTIVITY[pool.side]);
  const seconds = (d: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
    d ? Number(d.seconds ?? 0) + (d.nanos ?? 0) / 1e9 : 0;
  return {
    heartbeatTimeout: seconds(scheduled?.heartbeatTimeout),
    startToClose: seconds(scheduled?.startToCloseTimeout),
    detection: retry.at - killedAt,
    toNextStep: next.receivedAt - killedAt,
    toolsAgain: starts.length - new Set(starts.map((e) => Number(e.input?.n))).size,
  };
}

// ---- the scenario ----

/** Runs `jobs` in an order that rotates with the repetition, so drift in the load favours no side. */
async function rotated(rep: number, jobs: Array<() => Promise<unknown>>): Promise<void> {
  for (let i = 0; i < jobs.length; i++) await (jobs[(i + rep) % jobs.length] as () => Promise<unknown>)();
}

const ratio = (a: number[], b: number[]) => summarize(a.map((x, i) => x / (b[i] as number)));

/** The goal that durable-agent is ahead of the peer on a figure, from both sides' values per repetition. */
const aheadOfPeer = (figure: string, durable: number[], peer: number[], unit: Unit, why?: string): Goal =>
  ahead(figure, ratio(durable, peer), summarize(durable), summarize(peer), unit, why);

/** Three rows for one figure: durable-agent (with its ratio to the peer), the peer, the bare baseline. */
function trio(
  what: string,
  unit: Unit,
  durable: number[],
  peer: number[],
  bare: { label: string; values: number[] } | undefined,
): Row[] {
  const vsPeer = ratio(durable, peer);
  const rows: Row[] = [
    {
      label: `${what}: **durable-agent**`,
      unit,
      summary: summarize(durable),
      versus:
        `${format(vsPeer.median, 'ratio')} the peer` +
        (bare ? `, ${format(ratio(durable, bare.values).median, 'ratio')} ${bare.label}` : ''),
    },
    {
      label: `${what}: peer (@temporalio/ai-sdk)`,
      unit,
      summary: summarize(peer),
      ...(bare ? { versus: `${format(ratio(peer, bare.values).median, 'ratio')} ${bare.label}` } : {}),
    },
  ];
  if (bare) rows.push({ label: `${what}: ${bare.label}`, unit, summary: summarize(bare.values) });
  return rows;
}

export const peer: Scenario = {
  id: 'p',
  title: 'Peer: @temporalio/ai-sdk',
  async run({ env, reps, log }: ScenarioContext) {
    ensurePeerInstalled(log);
    log('[p] starting two worker processes per side (the first peer worker bundles its workflow code)');
    const durable = await startPool(env, 'durable', 2);
    const peerPool = await startPool(env, 'peer', 2);
    const bareQueue = benchQueue('p-bare');
    const baseline: RunningWorker = await env.startBaselineWorker(bareQueue);
    const pools = [durable, peerPool];
    try {
      // Not counted: first runs pay for connections, caches and JIT.
      for (const pool of pools) {
        await warm(env, pool);
        await warm(env, pool);
      }
      await bareStepRun(env, bareQueue);
      env.fake.reset();

      const m = {
        step: { durable: [] as StepRun[], peer: [] as StepRun[], bare: [] as number[] },
        fan: { durable: [] as FanOutRun[], peer: [] as FanOutRun[], bare: [] as number[] },
        history: new Map<number, { durable: HistoryRun[]; peer: HistoryRun[]; bare: HistoryRun[] }>(
          SIZES.map((s) => [s, { durable: [], peer: [], bare: [] }]),
        ),
        crash: { durable: [] as RecoveryRun[], peer: [] as RecoveryRun[] },
      };
      for (let rep = 1; rep <= reps; rep++) {
        await rotated(rep, [
          async () => m.step.durable.push(await stepRun(env, durable, rep)),
          async () => m.step.peer.push(await stepRun(env, peerPool, rep)),
          async () => m.step.bare.push(await bareStepRun(env, bareQueue)),
        ]);
        await rotated(rep, [
          async () => m.fan.durable.push(await fanOutRun(env, durable, rep)),
          async () => m.fan.peer.push(await fanOutRun(env, peerPool, rep)),
          async () => m.fan.bare.push(await bareFanOutRun(env, bareQueue)),
        ]);
        for (const size of SIZES) {
          const h = m.history.get(size) as { durable: HistoryRun[]; peer: HistoryRun[]; bare: HistoryRun[] };
          await rotated(rep, [
            async () => h.durable.push(await historyRun(env, durable, size, rep)),
            async () => h.peer.push(await historyRun(env, peerPool, size, rep)),
            async () => h.bare.push(await bareHistoryRun(env, bareQueue, size, rep)),
          ]);
        }
        env.fake.reset();
        await rotated(rep, [
          async () => m.crash.durable.push(await recoveryRun(env, durable, rep)),
          async () => m.crash.peer.push(await recoveryRun(env, peerPool, rep)),
        ]);
        env.fake.reset();
        const at = <T>(xs: T[]) => xs[rep - 1] as T;
        const h1 = m.history.get(SIZES[0] as number);
        const h20 = m.history.get(SIZES[1] as number);
        log(
          `[p] ${rep}/${reps}: step durable ${format(at(m.step.durable).step, 'ms')}, peer ${format(at(m.step.peer).step, 'ms')}, ` +
            `bare ${format(at(m.step.bare), 'ms')}; fan-out turn durable ${format(at(m.fan.durable).turn, 'ms')}, ` +
            `peer ${format(at(m.fan.peer).turn, 'ms')}, bare ${format(at(m.fan.bare), 'ms')}; history/turn 1 KiB ` +
            `durable ${format(at(h1?.durable ?? []).perTurn, 'bytes')}, peer ${format(at(h1?.peer ?? []).perTurn, 'bytes')}; ` +
            `20 KiB durable ${format(at(h20?.durable ?? []).perTurn, 'bytes')}, peer ${format(at(h20?.peer ?? []).perTurn, 'bytes')}; ` +
            `kill → retry durable ${format(at(m.crash.durable).detection / 1000, 's')}, peer ${format(at(m.crash.peer).detection / 1000, 's')}`,
        );
      }
      return report(reps, m);
    } finally {
      await Promise.all(pools.flatMap((p) => p.workers.map((w) => w.kill())));
      await baseline.stop();
    }
  },
};

interface Measurements {
  step: { durable: StepRun[]; peer: StepRun[]; bare: number[] };
  fan: { durable: FanOutRun[]; peer: FanOutRun[]; bare: number[] };
  history: Map<number, { durable: HistoryRun[]; peer: HistoryRun[]; bare: HistoryRun[] }>;
  crash: { durable: RecoveryRun[]; peer: RecoveryRun[] };
}

function report(reps: number, m: Measurements): Section {
  const med = (xs: number[]) => summarize(xs).median;
  const step = (side: Side) => m.step[side].map((r) => r.step);
  const rest = (side: Side) => m.step[side].map((r) => r.step - r.modelRun - r.toolRun);
  const rows: Row[] = [
    ...trio(`per step (${MODEL_MS} ms model + ${TOOL_MS} ms tool)`, 'ms', step('durable'), step('peer'), {
      label: 'bare step',
      values: m.step.bare,
    }),
    ...trio(
      `per step − bare step (orchestration beyond Temporal)`,
      'ms',
      step('durable').map((d, i) => d - (m.step.bare[i] as number)),
      step('peer').map((d, i) => d - (m.step.bare[i] as number)),
      undefined,
    ),
    ...trio(
      `of a step: the model-call activity running (the fake waits ${MODEL_MS} ms)`,
      'ms',
      m.step.durable.map((r) => r.modelRun),
      m.step.peer.map((r) => r.modelRun),
      undefined,
    ),
    ...trio(
      `of a step: the tool activity running (${TOOL_MS} ms)`,
      'ms',
      m.step.durable.map((r) => r.toolRun),
      m.step.peer.map((r) => r.toolRun),
      undefined,
    ),
    ...trio(
      'of a step: the rest (activity dispatch, workflow tasks)',
      'ms',
      rest('durable'),
      rest('peer'),
      undefined,
    ),
    ...trio(
      `fan-out turn (${FAN_OUT} × ${FAN_OUT_MS} ms)`,
      'ms',
      m.fan.durable.map((r) => r.turn),
      m.fan.peer.map((r) => r.turn),
      { label: 'bare fan-out', values: m.fan.bare },
    ),
    ...trio(
      'fan-out: first to last tool start',
      'ms',
      m.fan.durable.map((r) => r.spread),
      m.fan.peer.map((r) => r.spread),
      undefined,
    ),
  ];
  const historyNotes: string[] = [];
  const goals: Goal[] = [];
  const whyEvents: string[] = [];
  let lastGroups: { durable: Map<string, number>; peer: Map<string, number> } | undefined;
  for (const [size, h] of m.history) {
    const kib = format(size, 'bytes');
    const full = { label: 'full-transcript baseline', values: h.bare.map((r) => r.perTurn) };
    rows.push(
      ...trio(
        `${kib} results, history bytes per turn`,
        'bytes',
        h.durable.map((r) => r.perTurn),
        h.peer.map((r) => r.perTurn),
        full,
      ),
      ...trio(
        `${kib} results, history bytes of turn ${TURNS}`,
        'bytes',
        h.durable.map((r) => r.late),
        h.peer.map((r) => r.late),
        { label: 'full-transcript baseline', values: h.bare.map((r) => r.late) },
      ),
      ...trio(
        `${kib} results, history events per turn`,
        'count',
        h.durable.map((r) => r.eventsPerTurn),
        h.peer.map((r) => r.eventsPerTurn),
        { label: 'full-transcript baseline', values: h.bare.map((r) => r.eventsPerTurn) },
      ),
    );
    const growth = (xs: HistoryRun[]) => med(xs.map((r) => r.late / r.early));
    // Events per turn are the same in every repetition; the last one's runs are taken apart.
    const groups = {
      durable: h.durable[h.durable.length - 1]?.groups ?? new Map<string, number>(),
      peer: h.peer[h.peer.length - 1]?.groups ?? new Map<string, number>(),
    };
    lastGroups = groups;
    const extra = extraEvents(groups.durable, groups.peer);
    whyEvents.push(
      `With ${kib} results, durable-agent writes ${describeGroups(groups.durable)} events a turn, the peer ` +
        `${describeGroups(groups.peer)}.` +
        (extra.length > 0 ? ' What durable-agent writes more of:' : ''),
      '',
      ...extra.map(
        (g) => `- ${g.group}, ${g.more.toFixed(2)} a turn more${g.purpose ? `: ${g.purpose}` : ''}.`,
      ),
      '',
    );
    goals.push(
      aheadOfPeer(
        `history bytes per turn, ${kib} results`,
        h.durable.map((r) => r.perTurn),
        h.peer.map((r) => r.perTurn),
        'bytes',
      ),
      aheadOfPeer(
        `history events per turn, ${kib} results`,
        h.durable.map((r) => r.eventsPerTurn),
        h.peer.map((r) => r.eventsPerTurn),
        'count',
        extra.length > 0 ? `durable-agent writes more ${listExtra(extra)}` : undefined,
      ),
    );
    historyNotes.push(
      `with ${kib} results a durable-agent turn takes ${format(med(h.durable.map((r) => r.perTurn)), 'bytes')} of history ` +
        `and a peer turn ${format(med(h.peer.map((r) => r.perTurn)), 'bytes')}; turn ${TURNS} costs ` +
        `${format(growth(h.durable), 'ratio')} turn 2 for durable-agent and ${format(growth(h.peer), 'ratio')} for the peer`,
    );
  }
  const secs = (xs: RecoveryRun[], key: 'detection' | 'toNextStep') => xs.map((r) => r[key] / 1000);
  rows.push(
    ...trio(
      'SIGKILL mid-tool: kill → tool retried on the other process',
      's',
      secs(m.crash.durable, 'detection'),
      secs(m.crash.peer, 'detection'),
      undefined,
    ),
    ...trio(
      `SIGKILL mid-tool: kill → step ${CRASH_STEP} finished`,
      's',
      secs(m.crash.durable, 'toNextStep'),
      secs(m.crash.peer, 'toNextStep'),
      undefined,
    ),
    ...trio(
      'SIGKILL mid-tool: tool calls run again',
      'count',
      m.crash.durable.map((r) => r.toolsAgain),
      m.crash.peer.map((r) => r.toolsAgain),
      undefined,
    ),
  );

  const stepRatio = ratio(step('durable'), step('peer'));
  const fanRatio = ratio(
    m.fan.durable.map((r) => r.turn),
    m.fan.peer.map((r) => r.turn),
  );
  const parts = {
    'the model-call activity': {
      durable: med(m.step.durable.map((r) => r.modelRun)),
      peer: med(m.step.peer.map((r) => r.modelRun)),
    },
    'the tool activity': {
      durable: med(m.step.durable.map((r) => r.toolRun)),
      peer: med(m.step.peer.map((r) => r.toolRun)),
    },
    'the rest (dispatch and workflow tasks)': { durable: med(rest('durable')), peer: med(rest('peer')) },
  };
  // Where a step's time goes on each side, and the part where durable-agent loses the most.
  const [worstPart, worst] = Object.entries(parts).sort(
    (a, b) => b[1].durable - b[1].peer - (a[1].durable - a[1].peer),
  )[0] as [string, { durable: number; peer: number }];
  const spread = {
    durable: summarize(m.fan.durable.map((r) => r.spread)),
    peer: summarize(m.fan.peer.map((r) => r.spread)),
  };
  const detection = {
    durable: summarize(secs(m.crash.durable, 'detection')),
    peer: summarize(secs(m.crash.peer, 'detection')),
  };
  const timeouts = (xs: RecoveryRun[]) => ({
    heartbeat: med(xs.map((r) => r.heartbeatTimeout)),
    startToClose: med(xs.map((r) => r.startToClose)),
  });
  const tool = { durable: timeouts(m.crash.durable), peer: timeouts(m.crash.peer) };
  const describeTimeouts = (t: { heartbeat: number; startToClose: number }) =>
    t.heartbeat > 0
      ? `heartbeat timeout ${format(t.heartbeat, 's')}`
      : `no heartbeat timeout, start-to-close ${format(t.startToClose, 's')}`;
  goals.unshift(
    aheadOfPeer(
      `per step (${MODEL_MS} ms model + ${TOOL_MS} ms tool)`,
      step('durable'),
      step('peer'),
      'ms',
      `the largest difference is in ${worstPart}: ${format(worst.durable, 'ms')} against ${format(worst.peer, 'ms')}`,
    ),
    aheadOfPeer(
      `fan-out turn (${FAN_OUT} × ${FAN_OUT_MS} ms)`,
      m.fan.durable.map((r) => r.turn),
      m.fan.peer.map((r) => r.turn),
      'ms',
      `the last tool starts ${format(spread.durable.median, 'ms')} after the first in durable-agent, ` +
        `${format(spread.peer.median, 'ms')} in the peer`,
    ),
  );
  goals.push(
    aheadOfPeer(
      'recovery: SIGKILL mid-tool → tool retried on the other process',
      secs(m.crash.durable, 'detection'),
      secs(m.crash.peer, 'detection'),
      's',
      `tool activity: durable-agent ${describeTimeouts(tool.durable)}, the peer ${describeTimeouts(tool.peer)}`,
    ),
  );
  const aheadOrBehind = (r: number, what: string) =>
    r < 0.97
      ? `durable-agent is ahead on ${what} (${format(r, 'ratio')} the peer)`
      : r > 1.03
        ? `durable-agent is behind on ${what} (${format(r, 'ratio')} the peer)`
        : `the two are level on ${what} (${format(r, 'ratio')})`;
  const peerGrowth = med([...m.history.values()].flatMap((h) => h.peer.map((r) => r.late / r.early)));
  return {
    id: 'p',
    title: 'Peer: @temporalio/ai-sdk',
    reps,
    setup:
      "The peer is Temporal's own Vercel AI SDK integration (bench/peer/: @temporalio/ai-sdk 1.23.0 with ai 7 and " +
      '@ai-sdk/anthropic pointed at the fake with its base URL), used as its README and samples show: `AiSdkPlugin` on the ' +
      'worker, `generateText` with `temporalProvider.languageModel` in the workflow (each model call an `invokeModel` ' +
      "activity) and the tool's `execute` an activity (start-to-close 60 s, the timeout durable-agent's bench_step " +
      'declares; no heartbeat, as in the samples). Both agents run as two worker processes each (durable-agent: ' +
      'test/helpers/worker-process.ts) on the same server, get the same fake turns and run the same tool work; ' +
      'durable-agent without cache markers, as the peer sends none, and with the default heartbeat timeout ' +
      `(${format(DEFAULT_HEARTBEAT_TIMEOUT_MS / 1000, 's')}). Each repetition runs, in rotated order: a ` +
      `${STEPS}-step job (model ${MODEL_MS} ms, tool ${TOOL_MS} ms; step time = gap between model requests at the fake) ` +
      `after ${BURST} warm-up steps; the ${FAN_OUT} × ${FAN_OUT_MS} ms fan-out turn of (c); ${TURNS}-turn jobs with ` +
      `${SIZES.map((x) => format(x, 'bytes')).join(' and ')} tool results, whose histories are fetched and encoded as in (e); ` +
      `and the crash of (f): ${INTO_TOOL_MS} ms into tool ${CRASH_STEP}, the worker process running it gets SIGKILL while the ` +
      'other one polls. The bare baselines (bench/baseline/workflows.ts, worker in the bench process) are two waiting ' +
      'activities a step, one waiting activity and 8 at once for the fan-out, and the full-transcript loop of (e). ' +
      'Task queues are named as in (e).',
    rows,
    goals,
    interpretation: [
      `${aheadOrBehind(stepRatio.median, 'the per-step time')}; ${aheadOrBehind(fanRatio.median, 'the fan-out turn')}. ` +
        `Of a step, ${Object.entries(parts)
          .map(
            ([part, v]) =>
              `${part} takes ${format(v.durable, 'ms')} in durable-agent and ${format(v.peer, 'ms')} in the peer`,
          )
          .join(', ')}. ` +
        `${historyNotes.map((n) => n.charAt(0).toUpperCase() + n.slice(1)).join('. ')}` +
        (peerGrowth > TURNS / 4
          ? ": the peer's history per turn grows with the conversation, like the full-transcript baseline's, so its whole " +
            'history grows with the square of the run.'
          : '.') +
        ` After a SIGKILL mid-tool, durable-agent retries the tool on the other process ${format(detection.durable.median, 's')} ` +
        `after the kill (its tool activity: ${describeTimeouts(tool.durable)}); the peer after ` +
        `${format(detection.peer.median, 's')} (its tool activity: ${describeTimeouts(tool.peer)})` +
        (tool.peer.heartbeat === 0
          ? ', so Temporal notices the dead attempt only when the start-to-close timeout runs out.'
          : '.'),
      '',
      "Events per turn, by what wrote them (the last repetition's runs, whole history ÷ model calls). An activity's " +
        'events count with those of the workflow task its result starts (scheduled, started, completed), so an ' +
        'activity one side has and the other has not shows what it costs in all.',
      '',
      ...whyEvents,
      floorOfATurn(lastGroups),
    ]
      .join('\n')
      .trimEnd(),
  };
}

/**
 * What it would take for durable-agent to write fewer events a turn than the peer: the model call and the tool
 * call cost both designs the same, so only running the tool another way shortens a turn.
 */
function floorOfATurn(
  groups: { durable: Map<string, number>; peer: Map<string, number> } | undefined,
): string {
  if (!groups) return '';
  const calls = (g: Map<string, number>) =>
    (g.get('model call activity') ?? 0) + (g.get('tool call activity') ?? 0);
  return (
    `What it would take to be ahead: the model call and the tool call, each an activity with the workflow task its ` +
    `result starts, cost durable-agent ${calls(groups.durable).toFixed(2)} events a turn and the peer ` +
    `${calls(groups.peer).toFixed(2)}, the least any design pays that runs both as activities; what durable-agent ` +
    'writes beyond them is listed above (once a run, every few model calls, or near the context window). A turn ' +
    "gets shorter only when its tool does not run as an activity: a `read` tool declared `runAs: 'localActivity'` " +
    'is recorded as one marker event in the workflow task after the model call, with no activity task and no ' +
    'workflow task of its own (its time is in (a), its bytes in (e)).'
  );
}
