// (d) Throughput: 200 concurrent runs on one worker, against bare no-op activities on the same server.
import { randomUUID } from 'node:crypto';
import { DEFAULT_HEARTBEAT_TIMEOUT_MS } from '../../src/shared';
import { UNLIMITED, MODEL } from '../env';
import type { BenchEnv } from '../env';
import { always, atLeast } from '../goals';
import { runsHealth, withCpu, withLoopDelay } from '../health';
import type { RunHealth } from '../health';
import type { Scenario, ScenarioContext } from '../scenario';
import { marker, promptFor, scriptChain } from '../script';
import { format, formatRange, summarize } from '../stats';
import { benchStep } from '../tools';
import { benchQueue } from '../queue';

const RUNS = 200;
/** Tool steps per run; a run makes STEPS + 1 model calls (turns). */
const STEPS = 4;
const TURNS = STEPS + 1;
/** Activities per agent run: pinning the tools, every model call, every tool call. */
const ACTIVITIES = 1 + TURNS + STEPS;

/** Starts `runs` agent runs at once and waits for all; returns the wall time and the runs' workflow IDs. */
async function durableBatch(
  env: BenchEnv,
  taskQueue: string,
  label: string,
  runs: number,
): Promise<{ wall: number; ids: string[] }> {
  const marks = Array.from({ length: runs }, (_, i) => marker(`${label} ${i}`));
  for (const mark of marks) scriptChain(env.fake, mark, { steps: STEPS, toolMs: 0 });
  const ids = marks.map(() => `bench-d-${randomUUID()}`);
  const started = Date.now();
  const results = await Promise.all(
    marks.map((mark, i) =>
      env.run(
        taskQueue,
        {
          prompt: promptFor(mark),
          model: MODEL,
          tools: [benchStep.name],
          promptCaching: false,
          limits: { maxIterations: TURNS + 2, ...UNLIMITED },
        },
        ids[i] as string,
      ),
    ),
  );
  const wall = Date.now() - started;
  const bad = results.filter((r) => r.status !== 'completed' || r.iterations !== TURNS);
  if (bad.length > 0) throw new Error(`${bad.length} of ${runs} runs did not complete ${TURNS} turns`);
  return { wall, ids };
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
  async run({ env, reps, log }: ScenarioContext) {
    const queue = benchQueue('d');
    const agent = await env.startAgentWorker(queue);
    const bare = await env.startBaselineWorker(`${queue}-bare`);
    const serverPid = env.server.process.pid;
    try {
      await durableBatch(env, queue, 'd warm-up', 20);
      await bareBatch(env, `${queue}-bare`, 20);
      env.fake.reset();

      const durableWall: number[] = [];
      const bareWall: number[] = [];
      // CPU per 1,000 activities, of the server and of this process (worker, fake Claude, bench): unlike wall
      // time it does not move with what else the shared machine runs, and it says which side an activity costs.
      const cpu = {
        durableServer: [] as number[],
        durableBench: [] as number[],
        bareServer: [] as number[],
        bareBench: [] as number[],
      };
      const loop = { p99: [] as number[], max: [] as number[] };
      const health: RunHealth[] = [];
      for (let rep = 1; rep <= reps; rep++) {
        let ids: string[] = [];
        const batches = [
          async () => {
            const measured = await withCpu(serverPid, () =>
              withLoopDelay(() => durableBatch(env, queue, `d ${rep}`, RUNS)),
            );
            ids = measured.result.result.ids;
            durableWall.push(measured.result.result.wall);
            loop.p99.push(measured.result.p99Ms);
            loop.max.push(measured.result.maxMs);
            cpu.durableServer.push(measured.serverMs);
            cpu.durableBench.push(measured.benchMs);
          },
          async () => {
            const measured = await withCpu(serverPid, () => bareBatch(env, `${queue}-bare`, RUNS));
            bareWall.push(measured.result);
            cpu.bareServer.push(measured.serverMs / ((RUNS * ACTIVITIES) / 1000));
            cpu.bareBench.push(measured.benchMs / ((RUNS * ACTIVITIES) / 1000));
          },
        ];
        if (rep % 2 === 0) batches.reverse();
        for (const batch of batches) await batch();
        env.fake.reset();
        const h = await runsHealth(env.client, ids);
        health.push(h);
        // CPU per 1,000 of the activities the runs really scheduled.
        cpu.durableServer[rep - 1] = ((cpu.durableServer[rep - 1] as number) * 1000) / h.activities;
        cpu.durableBench[rep - 1] = ((cpu.durableBench[rep - 1] as number) * 1000) / h.activities;
        const d = durableWall[rep - 1] as number;
        const b = bareWall[rep - 1] as number;
        log(
          `[d] ${rep}/${reps}: ${RUNS} runs in ${format(d / 1000, 's')} (${format((RUNS * TURNS * 1000) / d, 'rate')} turns), ` +
            `bare in ${format(b / 1000, 's')} (${format((RUNS * ACTIVITIES * 1000) / b, 'rate')} activities); ` +
            `heartbeat timeouts ${h.heartbeatTimeouts}, other retries ${h.otherRetries}, sticky timeouts ${h.stickyTimeouts}, ` +
            `event-loop delay max ${format(loop.max[rep - 1] as number, 'ms')}`,
        );
      }
      const perSecond = (count: number, walls: number[]) => walls.map((w) => (count * 1000) / w);
      const turns = summarize(perSecond(RUNS * TURNS, durableWall));
      // The agent's activities as its histories count them: those of each turn, and the ledger's store and the
      // event stream's end at the run's end.
      const durableActs = summarize(
        durableWall.map((w, i) => ((health[i] as RunHealth).activities * 1000) / w),
      );
      const bareActs = summarize(perSecond(RUNS * ACTIVITIES, bareWall));
      const ratio = summarize(
        durableWall.map(
          (d, i) => (health[i] as RunHealth).activities / d / ((RUNS * ACTIVITIES) / (bareWall[i] as number)),
        ),
      );
      const perRun = (health[0]?.activities ?? NaN) / RUNS;
      const of = (key: keyof RunHealth) => summarize(health.map((h) => h[key]));
      const heartbeatTimeouts = of('heartbeatTimeouts');
      const loopMax = summarize(loop.max);
      const cpuRatio = (a: number[], b: number[]) => summarize(a.map((x, i) => x / (b[i] as number)));
      const serverCpu = summarize(cpu.durableServer);
      const benchCpu = summarize(cpu.durableBench);
      const serverCpuRatio = cpuRatio(cpu.durableServer, cpu.bareServer).median;
      const benchCpuRatio = cpuRatio(cpu.durableBench, cpu.bareBench).median;
      // The runs pin the default heartbeat timeout and beat at half of it (src/activities/heartbeat.ts).
      const beatEvery = format(DEFAULT_HEARTBEAT_TIMEOUT_MS / 2 / 1000, 's');
      return {
        id: 'd',
        title: this.title,
        reps,
        setup:
          `${RUNS} agent runs started at once on one in-process worker (default worker options), each ${TURNS} turns: ` +
          `${STEPS} model calls that ask for one tool call and a final answer, no model latency, instant tools ` +
          `(${ACTIVITIES} activities per run with the tool pinning, and what runs schedule besides: the tool-call ledger's ` +
          `store and the event stream's end; the histories count ${format(perRun, 'count')}). Baseline: ${RUNS} bare workflows of ${ACTIVITIES} no-op ` +
          'activities each, started at once on one worker. Wall time from the first start to the last result. ' +
          "Retries and timeouts are counted from every agent run's history after each repetition; CPU is the server " +
          "process's (from /proc) and the bench process's (worker, fake Claude and bench together), per 1,000 activities.",
        rows: [
          { label: '**durable: turns per second**', unit: 'rate', summary: turns },
          { label: 'durable: activities per second', unit: 'rate', summary: durableActs },
          { label: 'bare no-op activities per second', unit: 'rate', summary: bareActs },
          {
            label: '**durable ÷ bare, activities per second**',
            unit: 'ratio',
            summary: ratio,
            versus: 'goal ≥ ×0.70',
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
          {
            label: `**durable: heartbeat timeouts in ${RUNS} runs**`,
            unit: 'count',
            summary: heartbeatTimeouts,
            versus: 'goal 0',
          },
          {
            label: `durable: other retried attempts in ${RUNS} runs`,
            unit: 'count',
            summary: of('otherRetries'),
          },
          {
            label: `durable: sticky-queue timeouts in ${RUNS} runs`,
            unit: 'count',
            summary: of('stickyTimeouts'),
          },
          {
            label: 'durable: longest wait of a later workflow task (scheduled → started)',
            unit: 'ms',
            summary: of('maxWorkflowTaskWaitMs'),
            versus: 'sticky timeout 3 s',
          },
          {
            label: "durable: worker's event-loop delay, 99th percentile",
            unit: 'ms',
            summary: summarize(loop.p99),
          },
          {
            label: "durable: worker's event-loop delay, maximum",
            unit: 'ms',
            summary: loopMax,
            versus: `heartbeats every ${beatEvery} (timeout ${format(DEFAULT_HEARTBEAT_TIMEOUT_MS / 1000, 's')})`,
          },
          {
            label: 'durable: server CPU per 1,000 activities',
            unit: 'ms',
            summary: serverCpu,
            versus: `${format(serverCpuRatio, 'ratio')} bare`,
          },
          { label: 'bare: server CPU per 1,000 activities', unit: 'ms', summary: summarize(cpu.bareServer) },
          {
            label: 'durable: bench-process CPU per 1,000 activities',
            unit: 'ms',
            summary: benchCpu,
            versus: `${format(benchCpuRatio, 'ratio')} bare`,
          },
          {
            label: 'bare: bench-process CPU per 1,000 activities',
            unit: 'ms',
            summary: summarize(cpu.bareBench),
          },
        ],
        goals: [
          always(
            `heartbeat timeouts under the load of ${RUNS} concurrent runs`,
            heartbeatTimeouts,
            'count',
            0,
          ),
          atLeast(
            'throughput: agent activities/s ÷ bare no-op activities/s, same repetition',
            ratio,
            'ratio',
            0.7,
            `an agent activity costs the server ${format(serverCpuRatio, 'ratio')} and the bench process ` +
              `${format(benchCpuRatio, 'ratio')} the CPU of a no-op, on two cores shared by server, worker and fake`,
          ),
        ],
        interpretation:
          `One worker finishes ${format(turns.median, 'rate')} agent turns (${format(durableActs.median, 'rate')} activities) with ` +
          `${RUNS} runs in flight, ${format(ratio.median, 'ratio')} the rate at which the same server and worker run bare no-op ` +
          `activities (${format(bareActs.median, 'rate')}). Each agent activity does real work the no-op does not (an HTTP call to ` +
          'the fake, a JSON request of the whole transcript, message-store files, search-attribute updates), and the fake, the ' +
          'worker and the bench share the same two cores with the server. ' +
          `Per 1,000 activities the server spends ${format(serverCpu.median, 'ms')} of CPU on the agent runs ` +
          `(${format(serverCpuRatio, 'ratio')} bare) and the bench process ${format(benchCpu.median, 'ms')} ` +
          `(${format(benchCpuRatio, 'ratio')} bare). ` +
          `Heartbeat timeouts under this load: ${formatRange(heartbeatTimeouts, 'count')} per repetition; the worker's event loop ` +
          `lagged at most ${format(loopMax.max, 'ms')}, against the ${beatEvery} between heartbeats that a ` +
          `${format(DEFAULT_HEARTBEAT_TIMEOUT_MS / 1000, 's')} heartbeat timeout allows.` +
          (durableActs.max > 1.3 * durableActs.min && bareActs.max > 1.3 * bareActs.min
            ? ` Both rates moved a lot between repetitions (${formatRange(durableActs, 'rate')} and ${formatRange(bareActs, 'rate')}), ` +
              "the bare one as much as the agent's, so the drift comes from the shared server and machine, not the runtime; " +
              'the ratio, measured within each repetition, is the steadier figure.'
            : '') +
          (heartbeatTimeouts.max > 0
            ? ` ${heartbeatTimeouts.values.filter((v) => v > 0).length} of ${reps} repetitions had heartbeat timeouts ` +
              `(${heartbeatTimeouts.values.join(', ')}; sticky-queue timeouts ${of('stickyTimeouts').values.join(', ')}): ` +
              'a call whose worker beats late is retried though the worker is alive. Where workers or the server run ' +
              'this close to their limit, raise DURABLE_AGENT_HEARTBEAT_TIMEOUT_SECONDS (README, Settings).'
            : ''),
      };
    } finally {
      await agent.stop();
      await bare.stop();
    }
  },
};
