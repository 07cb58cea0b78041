// (f) Recovery: seconds from killing the worker mid-tool to the next finished step, with a replacement worker
// running. (g) Tokens spent again after a crash at step 4, against an in-process loop restarted from scratch.
// The same runs serve both: worker processes (test/helpers/worker-process.ts) are killed with SIGKILL.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildWorker, ExecutionEntry } from '../../test/helpers/child-worker';
import { readExecutions, waitFor } from '../../test/helpers/child-worker';
import { runInProcessLoop } from '../baseline/in-process-loop';
import { DEFAULT_HEARTBEAT_TIMEOUT_MS } from '../../src/shared';
import { MAX_TOKENS, MODEL, UNLIMITED } from '../env';
import type { BenchEnv } from '../env';
import { atMost } from '../goals';
import { chainHistories, eventTime } from '../history';
import { watchRetry } from '../retry-watch';
import { once } from '../scenario';
import type { Scenario, ScenarioContext } from '../scenario';
import { marker, promptFor, requestsOf, scriptChain, TokenLedger } from '../script';
import type { ChainJob } from '../script';
import { format, summarize } from '../stats';
import { benchStep, toolTimings } from '../tools';
import { benchQueue } from '../queue';

const STEPS = 6;
/** The step whose tool call (or model call) the crash interrupts. */
export const CRASH_STEP = 4;
const TOOL_MS = 200;
const CRASH_TOOL_MS = 2000;
const RESULT_BYTES = 1000;
const MODEL_MS = 50;
/** The crash comes this long after the tool of step 4 started. */
export const INTO_TOOL_MS = 500;
/** In the model-call variant, the first attempt of model call 4 takes this long, and the crash comes mid-way. */
const SLOW_MODEL_MS = 3000;
const INTO_MODEL_MS = 500;

/** The job of (f), and of the crash in (p): step CRASH_STEP's tool runs long enough to be killed mid-way. */
export const crashJob: ChainJob = {
  steps: STEPS,
  toolMs: (n) => (n === CRASH_STEP ? CRASH_TOOL_MS : TOOL_MS),
  bytes: RESULT_BYTES,
  delayMs: MODEL_MS,
};

const job = (ledger: TokenLedger, delayMs: ChainJob['delayMs'] = MODEL_MS): ChainJob => ({
  ...crashJob,
  delayMs,
  ledger,
});

const agentInput = (mark: string) => ({
  prompt: promptFor(mark),
  model: MODEL,
  tools: [benchStep.name],
  // The in-process loop sends no cache markers either, so both send the same requests.
  promptCaching: false,
  limits: { maxIterations: STEPS + 5, ...UNLIMITED },
});

/** The execution-log entries of one run: its tool starts (by idempotency key) and their ends (by tool use). */
function executionsOf(logFile: string, workflowId: string): ExecutionEntry[] {
  const entries = readExecutions(logFile);
  const calls = new Set(
    entries.filter((e) => e.idempotencyKey?.startsWith(`${workflowId}/`)).map((e) => e.toolUseId),
  );
  return entries.filter((e) => calls.has(e.toolUseId));
}

/** Tool attempts that ran again: every start beyond the first of its step. */
function toolRepeats(steps: number[]): number {
  return steps.length - new Set(steps).size;
}

interface CrashRun {
  tokens: number;
  tokensAgain: number;
  usdAgain: number;
  toolsAgain: number;
}

interface MidToolRun extends CrashRun {
  /** Kill → the model request of the next turn (step 4 finished). */
  toNextStep: number;
  /** Kill → tool 4's second attempt started. */
  detection: number;
  /** Kill → the dead attempt's last heartbeat as the server recorded it (negative: before the kill). */
  killToBeat: number;
  /** That heartbeat → the second attempt due (the heartbeat timeout, then the retry interval). */
  beatToDue: number;
  /** The second attempt due → it starts on the other worker (dispatch). */
  dueToRetry: number;
  /** Tool 4's second attempt, start to end. */
  rerun: number;
  /** Tool 4's second attempt ended → the next model request. */
  handBack: number;
  /** The killed worker also held the run's workflow (its last workflow task before the kill). */
  heldWorkflow: boolean;
}

interface InProcessRun extends CrashRun {
  clean: number;
  /** Crash → the restarted loop's model request of the next turn (step 4 finished again). */
  toNextStep: number;
}

function usdAgain(ledger: TokenLedger): number {
  const seen = new Set<number>();
  const again = ledger.requests.filter((r) => {
    const repeat = seen.has(r.turn);
    seen.add(r.turn);
    return repeat;
  });
  return ledger.costUsd(again);
}

/** Durable runs whose worker is killed while tool 4 runs, another worker polling the same queue. */
function midToolRuns({ env, reps, log }: ScenarioContext): Promise<MidToolRun[]> {
  return (async () => {
    const queue = benchQueue('f');
    const logFile = path.join(env.dir, 'f-executions.jsonl');
    let workers: ChildWorker[] = [
      await env.startChildWorker(queue, logFile),
      await env.startChildWorker(queue, logFile),
    ];
    try {
      await warmUp(env, queue);
      const runs: MidToolRun[] = [];
      for (let rep = 1; rep <= reps; rep++) {
        const mark = marker(`f ${rep}`);
        const ledger = new TokenLedger();
        scriptChain(env.fake, mark, job(ledger));
        const workflowId = `bench-f-${rep}-${randomUUID().slice(0, 8)}`;
        const { handle } = await env.startRun(queue, agentInput(mark), workflowId);
        const mine = () => executionsOf(logFile, workflowId);
        const firstStart = () =>
          mine().find((e) => e.event === 'start' && e.attempt === 1 && Number(e.input?.n) === CRASH_STEP);
        let started: ExecutionEntry | undefined;
        await waitFor(`tool ${CRASH_STEP} to start`, () => (started = firstStart()) !== undefined, 60_000);
        const first = started as ExecutionEntry;
        const timeline = watchRetry(handle, 'runTool');
        const victim = workers.find((w) => w.process.pid === first.pid);
        if (!victim)
          throw new Error(`tool ${CRASH_STEP} ran in pid ${first.pid}, not in a worker of this bench`);
        await sleep(Math.max(0, first.at + INTO_TOOL_MS - Date.now()));
        const killedAt = Date.now();
        await victim.kill();
        const result = await handle.result();
        if (result.status !== 'completed') throw new Error(`run ${workflowId} ended ${result.status}`);
        const seen = await timeline;

        const entries = mine();
        const retryStart = entries.find(
          (e) => e.event === 'start' && e.attempt === 2 && e.toolUseId === first.toolUseId,
        );
        const retryEnd = entries.find(
          (e) => e.event === 'end' && e.attempt === 2 && e.toolUseId === first.toolUseId,
        );
        const next = requestsOf(env.fake, mark).find((r) => r.turn === CRASH_STEP + 1);
        if (!retryStart || !retryEnd || !next)
          throw new Error(`run ${workflowId}: no retry of tool ${CRASH_STEP} found`);
        const [history] = await chainHistories(env.historyClient, workflowId);
        const lastTask = (history?.events ?? [])
          .filter((e) => e.workflowTaskCompletedEventAttributes && eventTime(e) <= killedAt)
          .pop();
        const holder = lastTask?.workflowTaskCompletedEventAttributes?.identity ?? '';
        const run: MidToolRun = {
          toNextStep: next.receivedAt - killedAt,
          detection: retryStart.at - killedAt,
          killToBeat: (seen.lastBeat ?? NaN) - killedAt,
          beatToDue: (seen.retryDue ?? NaN) - (seen.lastBeat ?? NaN),
          dueToRetry: retryStart.at - (seen.retryDue ?? NaN),
          rerun: retryEnd.at - retryStart.at,
          handBack: next.receivedAt - retryEnd.at,
          heldWorkflow: holder.startsWith(`${victim.process.pid}@`),
          tokens: ledger.total(),
          tokensAgain: ledger.spentAgain(),
          usdAgain: usdAgain(ledger),
          toolsAgain: toolRepeats(entries.filter((e) => e.event === 'start').map((e) => Number(e.input?.n))),
        };
        runs.push(run);
        env.fake.reset();
        log(
          `[f] ${rep}/${reps}: kill → step ${CRASH_STEP} done ${format(run.toNextStep / 1000, 's')} (retry after ${format(run.detection / 1000, 's')}: ` +
            `kill → last beat ${format(run.killToBeat / 1000, 's')}, last beat → retry due ${format(run.beatToDue / 1000, 's')}, ` +
            `due → started ${format(run.dueToRetry / 1000, 's')}; ` +
            `killed worker ${run.heldWorkflow ? 'also held' : 'did not hold'} the workflow); tokens spent again ${run.tokensAgain}`,
        );
        // Back to two workers, before the next run starts.
        workers = workers.filter((w) => w !== victim);
        workers.push(await env.startChildWorker(queue, logFile));
      }
      return runs;
    } finally {
      await Promise.all(workers.map((w) => w.kill()));
    }
  })();
}

/** A new worker's first activities are faster than its steady state; one run of plain steps gets past them. */
async function warmUp(env: BenchEnv, queue: string): Promise<void> {
  const mark = marker('f/g warm-up');
  scriptChain(env.fake, mark, { steps: 20, toolMs: 0 });
  await env.run(queue, agentInput(mark), `bench-fg-warm-up-${randomUUID().slice(0, 8)}`);
  env.fake.reset();
}

/** Durable runs whose only worker is killed during model call 4; a new worker is started after the kill. */
function midModelRuns({ env, reps, log }: ScenarioContext): Promise<CrashRun[]> {
  return (async () => {
    const queue = benchQueue('g');
    const logFile = path.join(env.dir, 'g-executions.jsonl');
    let worker = await env.startChildWorker(queue, logFile);
    try {
      const runs: CrashRun[] = [];
      for (let rep = 1; rep <= reps; rep++) {
        const mark = marker(`g model ${rep}`);
        const ledger = new TokenLedger();
        scriptChain(
          env.fake,
          mark,
          job(ledger, (turn, times) => (turn === CRASH_STEP && times === 1 ? SLOW_MODEL_MS : MODEL_MS)),
        );
        const workflowId = `bench-g-${rep}-${randomUUID().slice(0, 8)}`;
        const { handle } = await env.startRun(queue, agentInput(mark), workflowId);
        await waitFor(
          `model call ${CRASH_STEP}`,
          () => requestsOf(env.fake, mark).some((r) => r.turn === CRASH_STEP),
          60_000,
        );
        await sleep(INTO_MODEL_MS);
        await worker.kill();
        worker = await env.startChildWorker(queue, logFile);
        const result = await handle.result();
        if (result.status !== 'completed') throw new Error(`run ${workflowId} ended ${result.status}`);
        const starts = executionsOf(logFile, workflowId).filter((e) => e.event === 'start');
        const run: CrashRun = {
          tokens: ledger.total(),
          tokensAgain: ledger.spentAgain(),
          usdAgain: usdAgain(ledger),
          toolsAgain: toolRepeats(starts.map((e) => Number(e.input?.n))),
        };
        runs.push(run);
        env.fake.reset();
        log(
          `[g] durable, killed during model call ${CRASH_STEP}, ${rep}/${reps}: tokens spent again ${run.tokensAgain}`,
        );
      }
      return runs;
    } finally {
      await worker.kill();
    }
  })();
}

/** The in-process loop, once without a crash and once crashed during tool 4 and restarted from scratch at once. */
function inProcessRuns({ env, reps, log }: ScenarioContext): Promise<InProcessRun[]> {
  return (async () => {
    const loop = (mark: string, signal?: AbortSignal) =>
      runInProcessLoop({
        anthropic: env.anthropic(),
        tools: [benchStep],
        prompt: promptFor(mark),
        model: MODEL,
        maxTokens: MAX_TOKENS,
        ...(signal ? { signal } : {}),
      });
    const runs: InProcessRun[] = [];
    for (let rep = 1; rep <= reps; rep++) {
      const cleanMark = marker(`g in-process clean ${rep}`);
      const clean = new TokenLedger();
      scriptChain(env.fake, cleanMark, job(clean));
      await loop(cleanMark);

      const mark = marker(`g in-process crash ${rep}`);
      const ledger = new TokenLedger();
      scriptChain(env.fake, mark, job(ledger));
      toolTimings.length = 0;
      const controller = new AbortController();
      const crashed = loop(mark, controller.signal).then(
        () => new Error('the loop finished before the crash'),
        (err: unknown) => err,
      );
      await waitFor(`tool ${CRASH_STEP} to start`, () => toolTimings.some((t) => t.n === CRASH_STEP), 60_000);
      const started = toolTimings.find((t) => t.n === CRASH_STEP)?.startedAt ?? Date.now();
      await sleep(Math.max(0, started + INTO_TOOL_MS - Date.now()));
      const crashedAt = Date.now();
      controller.abort();
      await crashed;
      // A supervisor restarts the process at once; the new process knows nothing and starts over.
      await loop(mark);
      const next = requestsOf(env.fake, mark).find((r) => r.turn === CRASH_STEP + 1);
      const run: InProcessRun = {
        clean: clean.total(),
        toNextStep: (next?.receivedAt ?? NaN) - crashedAt,
        tokens: ledger.total(),
        tokensAgain: ledger.spentAgain(),
        usdAgain: usdAgain(ledger),
        toolsAgain: toolRepeats(toolTimings.map((t) => t.n)),
      };
      runs.push(run);
      env.fake.reset();
      log(
        `[g] in-process, crashed during tool ${CRASH_STEP} and restarted, ${rep}/${reps}: tokens spent again ${run.tokensAgain}`,
      );
    }
    return runs;
  })();
}

const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(0)}% of a clean run`;

export const recovery: Scenario = {
  id: 'f',
  title: 'Recovery after the worker is killed mid-tool',
  async run(ctx) {
    const durable = await once(ctx, 'mid-tool', () => midToolRuns(ctx));
    const inProcess = await once(ctx, 'in-process', () => inProcessRuns(ctx));
    const s = {
      next: summarize(durable.map((r) => r.toNextStep / 1000)),
      detection: summarize(durable.map((r) => r.detection / 1000)),
      killToBeat: summarize(durable.map((r) => r.killToBeat / 1000)),
      beatToDue: summarize(durable.map((r) => r.beatToDue / 1000)),
      dueToRetry: summarize(durable.map((r) => r.dueToRetry / 1000)),
      rerun: summarize(durable.map((r) => r.rerun / 1000)),
      handBack: summarize(durable.map((r) => r.handBack / 1000)),
      inProcess: summarize(inProcess.map((r) => r.toNextStep / 1000)),
    };
    const held = durable.filter((r) => r.heldWorkflow).length;
    const heartbeat = DEFAULT_HEARTBEAT_TIMEOUT_MS / 1000;
    const handBackHeld = summarize(durable.filter((r) => r.heldWorkflow).map((r) => r.handBack / 1000));
    const handBackOther = summarize(durable.filter((r) => !r.heldWorkflow).map((r) => r.handBack / 1000));
    return {
      id: 'f',
      title: this.title,
      reps: ctx.reps,
      setup:
        `A ${STEPS}-step job (model ${MODEL_MS} ms; tools ${TOOL_MS} ms, step ${CRASH_STEP}'s tool ${CRASH_TOOL_MS} ms) on two worker ` +
        `processes polling one task queue. ${INTO_TOOL_MS} ms into tool ${CRASH_STEP}, the worker running it gets SIGKILL; the other ` +
        `one is already running. Timed from the kill to the model request of turn ${CRASH_STEP + 1} at the fake (step ${CRASH_STEP} ` +
        "finished and its result handed back), with the tool attempts from the workers' execution log. Baseline: the " +
        'in-process loop crashed at the same point and restarted at once from scratch, as a process supervisor would.',
      rows: [
        {
          label: `**durable: kill → step ${CRASH_STEP} finished**`,
          unit: 's',
          summary: s.next,
          versus: `${format(s.next.median / s.inProcess.median, 'ratio')} the restarted in-process loop`,
        },
        {
          label: `**of which: kill → tool ${CRASH_STEP} retried on the other worker**`,
          unit: 's',
          summary: s.detection,
          versus: 'goal ≤ 3 s',
        },
        {
          label:
            "… kill → the dead attempt's last heartbeat (or its start) at the server (negative: before the kill)",
          unit: 's',
          summary: s.killToBeat,
        },
        {
          label: '… that heartbeat → the retry due',
          unit: 's',
          summary: s.beatToDue,
          versus: 'heartbeat timeout + retry interval',
        },
        {
          label: '… the retry due → it starts on the other worker',
          unit: 's',
          summary: s.dueToRetry,
        },
        {
          label: `of which: tool ${CRASH_STEP} runs again (its own ${CRASH_TOOL_MS / 1000} s)`,
          unit: 's',
          summary: s.rerun,
        },
        { label: 'of which: tool done → next model request', unit: 's', summary: s.handBack },
        {
          label: `in-process loop restarted from scratch: crash → step ${CRASH_STEP} finished again`,
          unit: 's',
          summary: s.inProcess,
        },
        {
          label: 'runs whose killed worker also held the workflow',
          unit: 'count',
          fixed: `${held} of ${durable.length}`,
        },
      ],
      goals: [
        atMost(
          'recovery: SIGKILL of the worker running a call → the retried call starts on the other worker',
          s.detection,
          's',
          3,
        ),
      ],
      interpretation:
        `The run is back to where it was ${format(s.next.median, 's')} after the kill: ${format(s.detection.median, 's')} until Temporal ` +
        `gives up on the dead worker's attempt and retries it elsewhere (the heartbeat timeout pinned into the run, ` +
        `${format(heartbeat, 's')} by default, less the time since the attempt's last beat, then the retry interval: ` +
        `${format(s.beatToDue.median, 's')} from the last beat to the retry being due; src/workflows/proxies.ts), ` +
        `${format(s.rerun.median, 's')} for the tool to run again, ${format(s.handBack.median, 's')} to hand its result back ` +
        (held > 0 && held < durable.length
          ? `(${format(handBackHeld.median, 's')} when the killed worker also held the workflow, whose next task then ` +
            `waits out the sticky-queue timeout, ${format(handBackOther.median, 's')} otherwise). `
          : held === durable.length
            ? '(the killed worker held the workflow in every run, so its next task waited out the sticky-queue timeout). '
            : '(the killed worker never held the workflow here). ') +
        `The restarted in-process loop gets there in ${format(s.inProcess.median, 's')} only because steps 1–${CRASH_STEP - 1} are short here: ` +
        'it pays for them again, model calls and side effects included (see (g)).',
    };
  },
};

export const tokensAfterCrash: Scenario = {
  id: 'g',
  title: `Tokens spent again after a crash at step ${CRASH_STEP}`,
  async run(ctx) {
    const inProcess = await once(ctx, 'in-process', () => inProcessRuns(ctx));
    const midTool = await once(ctx, 'mid-tool', () => midToolRuns(ctx));
    const midModel = await once(ctx, 'mid-model', () => midModelRuns(ctx));
    const clean = summarize(inProcess.map((r) => r.clean));
    const of = (runs: CrashRun[], key: keyof CrashRun) => summarize(runs.map((r) => r[key]));
    const again = {
      inProcess: of(inProcess, 'tokensAgain'),
      midTool: of(midTool, 'tokensAgain'),
      midModel: of(midModel, 'tokensAgain'),
    };
    return {
      id: 'g',
      title: this.title,
      reps: ctx.reps,
      setup:
        `The job of (f): ${STEPS} steps, each tool returning ${RESULT_BYTES} bytes, so every model call re-reads a growing transcript. ` +
        'Tokens are what the fake bills each request (its 4-characters-a-token estimate of the whole prompt, plus the reply), ' +
        'counted per request as it arrives, aborted ones included; "spent again" is every request for a turn that had already ' +
        `been asked. The in-process loop is crashed ${INTO_TOOL_MS} ms into tool ${CRASH_STEP} and restarted from scratch; the durable ` +
        `run loses its worker (SIGKILL) at the same point, or ${INTO_MODEL_MS} ms into model call ${CRASH_STEP}. USD at Claude Sonnet's ` +
        'list price without caching ($3 in, $15 out per million tokens).',
      rows: [
        { label: 'clean run, no crash: tokens', unit: 'tokens', summary: clean },
        {
          label: 'in-process loop restarted from scratch: tokens spent again',
          unit: 'tokens',
          summary: again.inProcess,
          versus: pct(again.inProcess.median, clean.median),
        },
        {
          label: `**durable, killed during tool ${CRASH_STEP}: tokens spent again**`,
          unit: 'tokens',
          summary: again.midTool,
          versus: pct(again.midTool.median, clean.median),
        },
        {
          label: `durable, killed during model call ${CRASH_STEP}: tokens spent again`,
          unit: 'tokens',
          summary: again.midModel,
          versus: pct(again.midModel.median, clean.median),
        },
        { label: 'in-process: USD spent again', unit: 'usd', summary: of(inProcess, 'usdAgain') },
        {
          label: `durable, killed during model call ${CRASH_STEP}: USD spent again`,
          unit: 'usd',
          summary: of(midModel, 'usdAgain'),
        },
        { label: 'in-process: tool calls run again', unit: 'count', summary: of(inProcess, 'toolsAgain') },
        {
          label: `durable, killed during tool ${CRASH_STEP}: tool calls run again`,
          unit: 'count',
          summary: of(midTool, 'toolsAgain'),
        },
        {
          label: `durable, killed during model call ${CRASH_STEP}: tool calls run again`,
          unit: 'count',
          summary: of(midModel, 'toolsAgain'),
        },
      ],
      interpretation:
        `Restarting the in-process loop pays for model calls 1–${CRASH_STEP} again (${format(again.inProcess.median, 'tokens')} tokens, ` +
        `${pct(again.inProcess.median, clean.median)}) and repeats ${format(of(inProcess, 'toolsAgain').median, 'count')} tool calls. ` +
        `The durable run spends ${format(again.midTool.median, 'tokens')} tokens again when the crash comes during a tool, and only the model call ` +
        `in flight (${format(again.midModel.median, 'tokens')} tokens) when it comes during a model call, and repeats ` +
        `${format(of(midTool, 'toolsAgain').median, 'count')} and ${format(of(midModel, 'toolsAgain').median, 'count')} tool calls respectively.`,
    };
  },
};
