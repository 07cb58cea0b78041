// Integration test: three worker processes poll one task queue on one dev server; 30 runs start at once and one
// worker is killed with SIGKILL a third of the way through. The two survivors finish every run, each run is one
// workflow execution, and only the model and tool calls in flight on the killed worker are made again.
import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { awaitResult } from '../../src/client';
import type { AgentResult } from '../../src/shared';
import type { FakeReply, MessagesRequestBody, RecordedRequest } from '../../src/testing';
import { childWorkerSuite, readExecutions, waitFor } from '../helpers/child-worker';
import type { ExecutionEntry } from '../helpers/child-worker';

const RUNS = 30;
const WORKERS = 3;
/** Every run's prompt contains this; one script of turn functions serves all runs. */
const MATCH = 'scale-out job';
/** Each model reply waits this long, so some model calls are in flight when the worker dies. */
const MODEL_DELAY_MS = 150;
/**
 * A call that finished on the killed worker this shortly before the kill may not have reported its result yet,
 * so running it again is allowed; one that finished earlier had been recorded and must not run again. Generous
 * on purpose: reporting takes milliseconds, but a starved worker on a shared machine can stall for longer. The
 * sharper checks do not depend on it: the server numbers attempts, so each (call, attempt) starting once, and
 * every attempt but the last being on the killed worker, already rule out a finished call running again.
 */
const REPORT_GRACE_MS = 2_000;

const suite = childWorkerSuite('scale-out');
const worker = (log: string) => suite.worker(log);

/** Step durations of a job, per turn: three turns of one or two steps, 300–800 ms each. */
function plan(job: number): number[][] {
  let n = 0;
  return [0, 1, 2].map((turn) =>
    Array.from({ length: 1 + ((job + turn) % 2) }, () => {
      n += 1;
      return 300 + ((job * 3 + n * 5) % 6) * 100;
    }),
  );
}
const stepCount = (job: number) => plan(job).flat().length;
const finalText = (job: number) => `Job ${job}: all ${stepCount(job)} steps done.`;
const promptOf = (job: number) => `Do ${MATCH} ${job}.`;

/** The job number in a request's prompt (a string, or text blocks once the runtime has added cache markers). */
function jobOf(body: MessagesRequestBody): number {
  const content = body.messages[0]?.content ?? '';
  const text = typeof content === 'string' ? content : content.map((b) => String(b['text'] ?? '')).join('');
  const job = /scale-out job (\d+)\./.exec(text)?.[1];
  if (job === undefined) throw new Error(`no job number in the prompt ${JSON.stringify(text)}`);
  return Number(job);
}

/** The model: reads the job and the turn from the request, and asks for that turn's steps or answers. */
function nextTurn({ body }: { body: MessagesRequestBody }): FakeReply {
  const job = jobOf(body);
  const turns = plan(job);
  // The prompt, then one assistant message and one tool_result message per finished turn.
  const turn = (body.messages.length - 1) / 2;
  const steps = turns[turn];
  if (!steps) return { content: finalText(job), delayMs: MODEL_DELAY_MS };
  const before = turns.slice(0, turn).flat().length;
  return {
    content: steps.map((ms, i) => ({ type: 'tool_use', name: 'step', input: { n: before + i + 1, ms } })),
    delayMs: MODEL_DELAY_MS,
  };
}

/** Which worker died, and when: `killAt` just before the SIGKILL, `killedAt` once the process was gone. */
interface Kill {
  victimPid: number;
  survivors: number[];
  killAt: number;
  killedAt: number;
}

/** Every attempt of one tool call, from the execution log. */
interface CallLog {
  workflowId: string;
  starts: ExecutionEntry[];
  ends: ExecutionEntry[];
}

/** Groups the execution log by tool call (tool_use ids are unique per fake server, so across runs too). */
function callsOf(entries: ExecutionEntry[]): Map<string, CallLog> {
  const calls = new Map<string, CallLog>();
  for (const e of entries.filter((x) => x.event === 'start')) {
    const id = e.toolUseId as string;
    // The idempotency key is `${workflowId}/${toolUseId}`.
    const workflowId = e.idempotencyKey.slice(0, -id.length - 1);
    const call = calls.get(id) ?? { workflowId, starts: [], ends: [] };
    call.starts.push(e);
    calls.set(id, call);
  }
  for (const e of entries.filter((x) => x.event === 'end')) calls.get(e.toolUseId as string)?.ends.push(e);
  return calls;
}

/** Tool attempts started and not ended, per worker pid. */
function inFlightByPid(entries: ExecutionEntry[]): Map<number, number> {
  const open = new Map<string, number>();
  for (const e of entries) {
    const key = `${e.toolUseId}#${e.attempt}`;
    if (e.event === 'start') open.set(key, e.pid);
    if (e.event === 'end') open.delete(key);
  }
  const counts = new Map<number, number>();
  for (const pid of open.values()) counts.set(pid, (counts.get(pid) ?? 0) + 1);
  return counts;
}

/** Every execution the server's visibility store holds for the task queue, once all are closed. */
async function listExecutions(taskQueue: string, expected: number): Promise<WorkflowExecutionInfo[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found: WorkflowExecutionInfo[] = [];
    for await (const info of suite.env.client.workflow.list({ query: `TaskQueue = "${taskQueue}"` }))
      found.push(info);
    // Visibility is eventually consistent: wait until every run shows as closed.
    const settled = found.length >= expected && found.every((i) => i.status.name !== 'RUNNING');
    if (settled || Date.now() > deadline) return found;
    await sleep(250);
  }
}

/**
 * No tool call that had finished ran again: every attempt but the last of a call ran on the killed worker and
 * had not ended (or ended just before the kill, with its result lost), and the run used the last attempt.
 * Returns how many calls ran more than once.
 */
function checkToolCalls(calls: Map<string, CallLog>, runs: Map<string, AgentResult>, kill: Kill): number {
  let retried = 0;
  for (const [id, call] of calls) {
    const record = runs.get(call.workflowId)?.toolCalls.find((c) => c.toolUseId === id);
    assert.ok(record, `tool call ${id} is in the ledger of ${call.workflowId}`);
    const attempts = call.starts.map((s) => s.attempt ?? 0);
    assert.equal(new Set(attempts).size, attempts.length, `no attempt of ${id} ran twice`);
    const last = Math.max(...attempts);
    assert.equal(last, record.attempts, `the attempt of ${id} the run used is the last one that ran`);
    assert.equal(call.ends.filter((e) => e.attempt === last).length, 1, `${id}'s last attempt ended once`);
    for (const start of call.starts.filter((s) => s.attempt !== last)) {
      assert.equal(start.pid, kill.victimPid, `${id}: only attempts on the killed worker were made again`);
      const end = call.ends.find((e) => e.attempt === start.attempt);
      assert.ok(
        !end || end.at >= kill.killAt - REPORT_GRACE_MS,
        `${id}: attempt ${start.attempt} ended ${kill.killAt - (end?.at ?? 0)} ms before the kill, yet ran again`,
      );
    }
    if (record.attempts > 1) {
      const final = call.starts.find((s) => s.attempt === last) as ExecutionEntry;
      assert.ok(kill.survivors.includes(final.pid) && final.at >= kill.killAt, `a survivor took over ${id}`);
    }
    if (call.starts.length > 1) retried++;
  }
  return retried;
}

/**
 * No model turn was requested twice, except a run's current turn when its worker died (its request made
 * before the kill and answered at most a moment before it). Returns how many turns were requested again.
 */
function checkModelTurns(requests: RecordedRequest[], expectedTurns: number, kill: Kill): number {
  const turnOf = (r: RecordedRequest) => {
    const body = r.body as MessagesRequestBody;
    return { job: jobOf(body), messages: body.messages.length };
  };
  const keyOf = (r: RecordedRequest) => `job ${turnOf(r).job}, ${turnOf(r).messages} messages`;
  const turns = new Map<string, RecordedRequest[]>();
  for (const r of requests) turns.set(keyOf(r), [...(turns.get(keyOf(r)) ?? []), r]);
  assert.equal(turns.size, expectedTurns, 'every model turn of every run was requested');

  let repeated = 0;
  for (const [key, [first, ...again]] of turns) {
    if (!first || again.length === 0) continue;
    repeated++;
    assert.equal(again.length, 1, `${key} was requested again only once`);
    assert.ok(
      first.receivedAt <= kill.killedAt && again[0]!.receivedAt >= kill.killAt,
      `${key} spans the kill`,
    );
    assert.ok(
      first.aborted || first.receivedAt + MODEL_DELAY_MS >= kill.killAt - REPORT_GRACE_MS,
      `${key}: the first request was answered long before the kill, yet was made again`,
    );
    const { job, messages } = turnOf(first);
    const later = requests.filter(
      (r) => r.receivedAt <= kill.killAt && turnOf(r).job === job && turnOf(r).messages > messages,
    );
    assert.deepEqual(later, [], `${key} was the run's current turn when the worker died`);
  }
  // A request whose connection the kill cut is one the killed worker never got an answer to. (The reverse does
  // not hold: the fake often notices that a dying client's socket closed only after writing the reply.)
  for (const r of requests.filter((q) => q.aborted))
    assert.equal(turns.get(keyOf(r))?.length, 2, `${keyOf(r)} was cut off by the kill and made again`);
  return repeated;
}

describe('scale-out', () => {
  it(
    'finishes 30 concurrent runs when one of three workers is killed midway, none run twice',
    { timeout: 150_000 },
    async () => {
      const log = path.join(suite.dir, 'executions.jsonl');
      const jobs = Array.from({ length: RUNS }, (_, job) => job);
      const totalSteps = jobs.reduce((sum, job) => sum + stepCount(job), 0);
      const modelTurns = jobs.reduce((sum, job) => sum + plan(job).length + 1, 0);
      // One turn per model call, and spares for the calls the kill makes again; a fake that runs dry fails loudly.
      suite.env.fake.script(
        Array.from({ length: modelTurns + RUNS }, () => nextTurn),
        { match: MATCH },
      );

      const pool = await Promise.all(Array.from({ length: WORKERS }, () => worker(log)));
      const pids = pool.map((w) => w.process.pid as number);
      const prefix = `scale-out-${randomUUID().slice(0, 8)}`;
      const startedAt = Date.now();
      const handles = await Promise.all(
        jobs.map((job) =>
          suite.env.start({ prompt: promptOf(job) }, `${prefix}-${String(job).padStart(2, '0')}`),
        ),
      );

      // Once a third of all tool calls have ended, kill the worker with the most tool calls in flight.
      let victimPid = 0;
      await waitFor(
        'a third of the tool calls to end',
        () => {
          const entries = readExecutions(log);
          if (entries.filter((e) => e.event === 'end').length < totalSteps / 3) return false;
          victimPid = [...inFlightByPid(entries)].sort(([, a], [, b]) => b - a)[0]?.[0] ?? 0;
          return victimPid !== 0;
        },
        60_000,
      );
      const endsAtKill = readExecutions(log).filter((e) => e.event === 'end').length;
      const killAt = Date.now();
      await pool.find((w) => w.process.pid === victimPid)?.kill();
      const kill: Kill = {
        victimPid,
        survivors: pids.filter((p) => p !== victimPid),
        killAt,
        killedAt: Date.now(),
      };

      const results = await Promise.all(handles.map((h) => awaitResult(h)));
      const wallMs = Date.now() - startedAt;

      // Every run completed with its own answer and one ledger entry per step.
      for (const job of jobs) {
        const result = results[job]!;
        assert.equal(result.status, 'completed', `job ${job}`);
        assert.equal(result.text, finalText(job));
        const steps = result.toolCalls.map((c) => (c.input as { n: number }).n);
        assert.deepEqual(
          steps,
          Array.from({ length: stepCount(job) }, (_, i) => i + 1),
          `job ${job}'s steps`,
        );
        for (const call of result.toolCalls) assert.equal(call.status, 'succeeded');
      }

      // Each run is exactly one workflow execution.
      const executions = await listExecutions(suite.env.taskQueue, RUNS);
      assert.equal(executions.length, RUNS, 'one execution per run, no more');
      assert.deepEqual(executions.map((e) => e.workflowId).sort(), handles.map((h) => h.workflowId).sort());
      for (const e of executions) assert.equal(e.status.name, 'COMPLETED', e.workflowId);

      // Tool calls: each ran once, except those in flight on the killed worker, which the survivors ran again.
      const entries = readExecutions(log);
      const calls = callsOf(entries);
      assert.equal(calls.size, totalSteps, 'every tool call the runs made, and no others, ran');
      const runs = new Map(handles.map((h, i) => [h.workflowId, results[i]!]));
      const retried = checkToolCalls(calls, runs, kill);
      assert.ok(retried > 0, 'the killed worker had tool calls in flight, and survivors ran them again');

      // Work was spread over all three workers before the kill, and over both survivors after it.
      const startsOf = (pid: number) => entries.filter((e) => e.pid === pid && e.event === 'start');
      for (const pid of pids)
        assert.ok(
          startsOf(pid).some((e) => e.at < kill.killAt),
          `worker ${pid} ran tools before the kill`,
        );
      for (const pid of kill.survivors)
        assert.ok(
          startsOf(pid).some((e) => e.at > kill.killedAt),
          `worker ${pid} ran tools after the kill`,
        );

      // Model calls: each turn was requested once, except turns in flight on the killed worker.
      assert.deepEqual(suite.env.fake.unexpected, [], 'every model call found a scripted turn');
      const requests = suite.env.fake.requests.filter((r) => r.path === '/v1/messages' && r.match === MATCH);
      const repeated = checkModelTurns(requests, modelTurns, kill);

      const perWorker = pids.map((p) => `${p}${p === victimPid ? ' (killed)' : ''} ${startsOf(p).length}`);
      console.log(
        `scale-out: ${RUNS} runs on ${WORKERS} workers, one killed after ${endsAtKill}/${totalSteps} tool calls ` +
          `had ended; ${totalSteps} tool calls, ${retried} retried, ${repeated} model calls made again; tool ` +
          `attempts per worker: ${perWorker.join(', ')}; wall ${(wallMs / 1000).toFixed(1)} s`,
      );
    },
  );
});
