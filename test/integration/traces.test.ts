// Integration tests: OpenTelemetry traces of a run, exported over OTLP/HTTP to a real OpenTelemetry Collector
// (built from the Go module proxy by scripts/otelcol.ts) that writes them to a file. Worker processes run on a
// real Temporal dev server and the fake Claude; one of them is killed with SIGKILL mid-run.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { awaitResult, connectClient, startRun } from '../../src/client';
import type { RunHandle } from '../../src/client';
import { installedTracing, replaySafeSinks, TRACING_WORKFLOW_INTERCEPTORS } from '../../src/tracing';
import type { Tracing } from '../../src/tracing';
import { WORKFLOWS_PATH } from '../../src/worker';
import { childWorkerSuite, readExecutions, waitFor } from '../helpers/child-worker';
import { startCollector } from '../helpers/otel-collector';
import type { Collector, ExportedSpan } from '../helpers/otel-collector';

const suite = childWorkerSuite('traces');
let collector: Collector;
let client: Client;
let tracing: Tracing;
let bundleCode = '';
let bundleFile = '';
// Set by the first test, replayed by the second.
let finished: { workflowId: string; handle: RunHandle } | undefined;

before(async () => {
  collector = await startCollector();
  // This process (the client) and the worker processes it starts all send their spans to the collector.
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = collector.endpoint;
  process.env.OTEL_BSP_SCHEDULE_DELAY = '100';
  process.env.OTEL_SERVICE_NAME = 'traces-test-client';
  const bundle = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: [TRACING_WORKFLOW_INTERCEPTORS],
    logger: new DefaultLogger('WARN'),
  });
  bundleCode = bundle.code;
  bundleFile = path.join(suite.dir, 'traced-workflow-bundle.js');
  writeFileSync(bundleFile, bundleCode);
  client = await connectClient({ address: suite.env.server.address, namespace: suite.env.server.namespace });
  const installed = installedTracing();
  assert.ok(installed, 'connectClient installed tracing from OTEL_EXPORTER_OTLP_ENDPOINT');
  tracing = installed;
});

after(async () => {
  await client?.connection.close();
  await tracing?.shutdown();
  await collector?.stop();
});

const tracedWorker = (log: string) =>
  suite.worker(log, {
    WORKFLOW_BUNDLE: bundleFile,
    OTEL_SERVICE_NAME: 'traces-test-worker',
    // The killed worker's slow tool call is noticed and retried after this long.
    DURABLE_AGENT_HEARTBEAT_TIMEOUT_SECONDS: '2',
  });

const parentOf = (byId: Map<string, ExportedSpan>, span: ExportedSpan) => byId.get(span.parentSpanId);

/** The span's ancestors' names, nearest first, up to the root. */
function ancestry(byId: Map<string, ExportedSpan>, span: ExportedSpan): string[] {
  const names: string[] = [];
  for (let at = parentOf(byId, span); at; at = parentOf(byId, at)) names.push(at.name);
  return names;
}

describe('traces', () => {
  it('exports one trace per run over OTLP: turns, one span per model and tool call attempt, GenAI attributes, none twice across a worker kill', async () => {
    const log = path.join(suite.dir, 'traces.jsonl');
    const match = 'traced fan-out';
    const delays = [50, 100, 6000];
    suite.env.fake.script(
      [
        { content: delays.map((ms, i) => ({ type: 'tool_use', name: 'step', input: { n: i + 1, ms } })) },
        { content: 'All three steps done.' },
      ],
      { match },
    );
    const first = await tracedWorker(log);
    const { handle, workflowId } = await startRun(
      client,
      { prompt: `Job: ${match}.` },
      { taskQueue: suite.env.taskQueue },
    );
    const mine = () =>
      collector
        .spans()
        .filter(
          (s) =>
            s.attributes['durable_agent.workflow_id'] === workflowId ||
            s.attributes.temporalWorkflowId === workflowId,
        );
    await waitFor(
      'two of three tools to finish',
      () => readExecutions(log).filter((e) => e.event === 'end').length === 2,
    );
    // The finished calls' spans (their attempts', and their calls' once the workflow saw the results) leave in
    // the worker's next batch; a SIGKILL loses the batch it interrupts. The slow call's attempt dies with it.
    await waitFor(
      'the finished tool calls to be exported',
      () =>
        mine().filter((s) => s.name === 'execute_tool step').length === 2 &&
        mine().filter((s) => s.name === 'StartActivity:runTool').length === 2,
      15_000,
    );
    await first.kill();
    const second = await tracedWorker(log);
    const result = await awaitResult(handle);
    assert.equal(result.status, 'completed');
    await second.stop(); // SIGTERM: the worker flushes its last batch as it stops
    await tracing.flush();
    await waitFor('the run span', () => mine().some((s) => s.name === 'RunWorkflow:agentRun'), 15_000);
    await sleep(500); // the collector writes its file every 100 ms
    finished = { workflowId, handle };

    const all = collector.spans();
    const ids = all.map((s) => s.spanId);
    assert.equal(new Set(ids).size, ids.length, 'no span was exported twice');

    // One trace, rooted at the client's start span.
    const roots = all.filter(
      (s) => s.name === 'StartWorkflow:agentRun' && s.attributes.temporalWorkflowId === workflowId,
    );
    assert.equal(roots.length, 1);
    const root = roots[0] as ExportedSpan;
    assert.equal(root.parentSpanId, '');
    assert.equal(root.service, 'traces-test-client');
    const trace = all.filter((s) => s.traceId === root.traceId);
    for (const span of mine()) assert.equal(span.traceId, root.traceId, `${span.name} is in the run's trace`);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const named = (name: string) => trace.filter((s) => s.name === name);

    const runs = named('RunWorkflow:agentRun');
    assert.equal(runs.length, 1, 'one run span, though two workers ran the workflow');
    const run = runs[0] as ExportedSpan;
    assert.equal(run.parentSpanId, root.spanId);
    assert.equal(run.service, 'traces-test-worker');
    assert.equal(run.attributes['gen_ai.operation.name'], 'invoke_agent');
    assert.equal(run.attributes['durable_agent.status'], 'completed');
    assert.equal(run.attributes['durable_agent.cost_usd'], result.costUsd);
    assert.equal(run.attributes['durable_agent.iterations'], 2);

    // Turn spans: one per turn, children of the run.
    const turns = trace.filter((s) => /^turn \d+$/.test(s.name));
    assert.deepEqual(turns.map((s) => s.name).sort(), ['turn 1', 'turn 2']);
    for (const turn of turns) {
      assert.equal(turn.parentSpanId, run.spanId);
      assert.equal(turn.attributes['durable_agent.workflow_id'], workflowId);
    }
    const turnSpan = (n: number) =>
      turns.find((s) => s.attributes['durable_agent.turn'] === n) as ExportedSpan;
    assert.deepEqual(turnSpan(1).attributes['gen_ai.response.finish_reasons'], ['tool_use']);
    assert.equal(turnSpan(1).attributes['durable_agent.tool_calls'], 3);
    assert.deepEqual(turnSpan(2).attributes['gen_ai.response.finish_reasons'], ['end_turn']);

    // Model call attempts: exactly one span per request the model endpoint served, under its turn.
    const served = suite.env.fake.requests.filter((r) => r.match === match && r.path === '/v1/messages');
    // Our attempt spans; the Anthropic SDK adds its own call span (anthropic.messages.create) under each.
    const chats = trace.filter((s) => s.name.startsWith('chat '));
    for (const sdk of named('anthropic.messages.create'))
      assert.ok(
        chats.some((c) => c.spanId === sdk.parentSpanId),
        'the SDK span is inside an attempt span',
      );
    assert.equal(chats.length, served.length);
    assert.equal(chats.length, 2);
    const model = chats[0]?.attributes['gen_ai.request.model'];
    assert.ok(typeof model === 'string' && model.length > 0);
    for (const chat of chats) {
      const n = chat.attributes['durable_agent.turn'] as number;
      assert.equal(chat.name, `chat ${model}`);
      assert.deepEqual(ancestry(byId, chat), [
        'RunActivity:callClaude',
        'StartActivity:callClaude',
        `turn ${n}`,
        'RunWorkflow:agentRun',
        'StartWorkflow:agentRun',
      ]);
      assert.equal(chat.attributes['gen_ai.provider.name'], 'anthropic');
      assert.equal(chat.attributes['durable_agent.attempt'], 1);
      assert.equal(chat.attributes['durable_agent.status'], 'ok');
      assert.ok((chat.attributes['gen_ai.usage.input_tokens'] as number) > 0);
      assert.ok((chat.attributes['gen_ai.usage.output_tokens'] as number) > 0);
      assert.deepEqual(
        chat.attributes['gen_ai.response.finish_reasons'],
        turnSpan(n).attributes['gen_ai.response.finish_reasons'],
      );
      assert.equal(typeof chat.attributes['durable_agent.cost_usd'], 'number');
    }
    const chatTokens = chats.reduce(
      (sum, c) => sum + (c.attributes['gen_ai.usage.output_tokens'] as number),
      0,
    );
    assert.equal(chatTokens, result.usage.outputTokens);

    // Tool call attempts: at most one span per attempt; the killed attempt's may be missing, its retry's is not.
    const stepOf = new Map(
      readExecutions(log)
        .filter((e) => e.event === 'start')
        .map((e) => [e.toolUseId as string, Number(e.input?.n)]),
    );
    const tools = trace.filter((s) => s.attributes['gen_ai.operation.name'] === 'execute_tool');
    const attempts = new Map<number, number[]>();
    for (const tool of tools) {
      const n = stepOf.get(tool.attributes['gen_ai.tool.call.id'] as string) as number;
      attempts.set(n, [...(attempts.get(n) ?? []), tool.attributes['durable_agent.attempt'] as number]);
      assert.equal(tool.name, 'execute_tool step');
      assert.equal(tool.attributes['durable_agent.tool.name'], 'step');
      assert.equal(tool.attributes['durable_agent.tool.effect'], 'read');
      assert.equal(tool.attributes['durable_agent.turn'], 1);
      assert.equal(tool.attributes['durable_agent.status'], 'ok');
      assert.deepEqual(ancestry(byId, tool).slice(0, 3), [
        'RunActivity:runTool',
        'StartActivity:runTool',
        'turn 1',
      ]);
      const call = parentOf(byId, parentOf(byId, tool) as ExportedSpan) as ExportedSpan;
      assert.equal(call.attributes['durable_agent.tool.effect'], 'read');
    }
    assert.deepEqual(attempts.get(1), [1]);
    assert.deepEqual(attempts.get(2), [1]);
    const slow = [...(attempts.get(3) ?? [])].sort();
    assert.ok(
      JSON.stringify(slow) === '[2]' || JSON.stringify(slow) === '[1,2]',
      `the slow call's attempts: ${JSON.stringify(slow)}`,
    );
    assert.equal(named('StartActivity:runTool').length, 3, 'one span per tool call, across both workers');

    // Without DURABLE_AGENT_TRACE_CONTENT no prompt or tool content is in any span.
    for (const span of trace) {
      for (const key of [
        'gen_ai.input.messages',
        'gen_ai.output.messages',
        'gen_ai.tool.call.arguments',
        'gen_ai.tool.call.result',
      ])
        assert.equal(span.attributes[key], undefined, `${span.name} carries no ${key}`);
    }
  });

  it("puts a sub-agent's child run in the parent's trace, under the turn that called it", async () => {
    const match = 'traced parent';
    suite.env.fake.script(
      [
        {
          content: [
            {
              type: 'tool_use',
              id: 'toolu_traced_child',
              name: 'researcher',
              input: { task: 'traced child task' },
            },
          ],
        },
        { content: 'The child answered.' },
      ],
      { match },
    );
    suite.env.fake.script([{ content: 'Child facts.' }], { match: 'traced child task' });
    const worker = await tracedWorker(path.join(suite.dir, 'traces-subagent.jsonl'));
    const { handle, workflowId } = await startRun(
      client,
      {
        prompt: `Job: ${match}.`,
        subagents: [{ name: 'researcher', description: 'Finds facts about one topic.' }],
      },
      { taskQueue: suite.env.taskQueue },
    );
    const result = await awaitResult(handle);
    assert.equal(result.status, 'completed');
    await worker.stop();
    await tracing.flush();
    const childId = `${workflowId}/toolu_traced_child`;
    const runSpan = (id: string) =>
      collector
        .spans()
        .find((s) => s.name === 'RunWorkflow:agentRun' && s.attributes['durable_agent.workflow_id'] === id);
    await waitFor(
      'both run spans',
      () => runSpan(workflowId) !== undefined && runSpan(childId) !== undefined,
      15_000,
    );
    await sleep(500);

    const all = collector.spans();
    const byId = new Map(all.map((s) => [s.spanId, s]));
    const parentRun = runSpan(workflowId) as ExportedSpan;
    const childRun = runSpan(childId) as ExportedSpan;
    assert.equal(childRun.traceId, parentRun.traceId, "the child run is in the parent's trace");
    const path_ = ancestry(byId, childRun);
    assert.ok(path_.includes('turn 1'), `the child hangs under the parent's turn 1: ${path_.join(' < ')}`);
    assert.ok(path_.includes('RunWorkflow:agentRun'), 'and under the parent run');
    const childTurns = all.filter(
      (s) => /^turn \d+$/.test(s.name) && s.attributes['durable_agent.workflow_id'] === childId,
    );
    assert.equal(childTurns.length, 1);
    assert.equal(childTurns[0]?.parentSpanId, childRun.spanId);
    const childChats = all.filter(
      (s) => s.name.startsWith('chat ') && s.attributes['durable_agent.workflow_id'] === childId,
    );
    assert.equal(childChats.length, 1, "one model call attempt in the child's trace");
    const ids = all.map((s) => s.spanId);
    assert.equal(new Set(ids).size, ids.length, 'no span was exported twice');
  });

  it('emits no span when the run is replayed from its history with tracing on', async () => {
    assert.ok(finished, 'the traced run of the previous test finished');
    const history = await finished.handle.fetchHistory();
    const before = collector.spans().length;
    await Worker.runReplayHistory(
      { workflowBundle: { code: bundleCode }, sinks: replaySafeSinks(tracing) },
      history,
      finished.workflowId,
    );
    await tracing.flush();
    await sleep(700);
    assert.equal(collector.spans().length, before);

    // Control: the same replay does make spans; only the replay-safe sink keeps them from leaving.
    let madeDuringReplay = 0;
    await Worker.runReplayHistory(
      {
        workflowBundle: { code: bundleCode },
        sinks: {
          exporter: {
            export: {
              fn: (_info: unknown, spans: unknown[]) => void (madeDuringReplay += spans.length),
              callDuringReplay: true,
            },
          },
        },
      },
      history,
      finished.workflowId,
    );
    assert.ok(madeDuringReplay > 0, `replay made ${madeDuringReplay} spans`);
  });

  it('traces a tool run as a local activity like a regular one: its attempt under its call, under its turn', async () => {
    const log = path.join(suite.dir, 'traces-local.jsonl');
    const match = 'traced local tool';
    suite.env.fake.script(
      [
        { content: [{ type: 'tool_use', name: 'lookup_local', input: { key: 'traced' } }] },
        { content: 'Found it.' },
      ],
      { match },
    );
    const worker = await suite.worker(log, {
      WORKFLOW_BUNDLE: bundleFile,
      OTEL_SERVICE_NAME: 'traces-test-worker',
      DURABLE_AGENT_TOOLS: path.resolve(__dirname, '..', 'helpers', 'local-tools.ts'),
    });
    const { handle, workflowId } = await startRun(
      client,
      { prompt: `Job: ${match}.`, tools: ['lookup_local'] },
      { taskQueue: suite.env.taskQueue },
    );
    assert.equal((await awaitResult(handle)).status, 'completed');
    await worker.stop();
    const tool = () =>
      collector
        .spans()
        .find(
          (s) =>
            s.name === 'execute_tool lookup_local' &&
            s.attributes['durable_agent.workflow_id'] === workflowId,
        );
    await waitFor('the tool span', () => tool() !== undefined, 15_000);
    await sleep(500);
    const span = tool() as ExportedSpan;
    const byId = new Map(collector.spans().map((s) => [s.spanId, s]));
    assert.deepEqual(ancestry(byId, span).slice(0, 4), [
      'RunActivity:runTool',
      'StartActivity:runTool',
      'turn 1',
      'RunWorkflow:agentRun',
    ]);
    assert.equal(span.attributes['durable_agent.tool.effect'], 'read');
    assert.equal(span.attributes['durable_agent.turn'], 1);
    assert.equal(span.attributes['durable_agent.status'], 'ok');
    const call = parentOf(byId, parentOf(byId, span) as ExportedSpan) as ExportedSpan;
    assert.equal(call.attributes['durable_agent.tool.name'], 'lookup_local');
    assert.equal(call.attributes['durable_agent.status'], 'ok');
  });
});
