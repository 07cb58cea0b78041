// Records the histories that test/unit/replay.test.ts replays, one per workflow shape. Run it after a change to
// the loop that is meant to change histories (and guard that change with patched(); see README):
//   npx tsx test/histories/record.ts
// It starts its own dev server, fake Claude and workers, and rewrites test/histories/*.json.
import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { awaitResult, getProgress, startRun } from '../../src/client';
import type { RunHandle } from '../../src/client';
import { approveUpdate, cancelSignal } from '../../src/shared';
import { readExecutions, startChildWorker, waitFor, writeBundle } from '../helpers/child-worker';
import { startTestEnv } from '../helpers/env';
import type { TestEnv } from '../helpers/env';
import { controlTools, testTools } from '../helpers/tools';

async function save(client: Client, name: string, handle: RunHandle): Promise<void> {
  await awaitResult(handle).catch(() => undefined);
  const history = await client.workflow.getHandle(handle.workflowId).fetchHistory();
  const file = path.join(__dirname, `${name}.json`);
  writeFileSync(file, `${historyToJSON(history)}\n`);
  console.log(`recorded ${name}: ${history.events?.length ?? 0} events`);
}

async function inProcess(env: TestEnv): Promise<void> {
  const { fake, client } = env;
  await env.startWorker([...testTools, ...controlTools.filter((t) => t.name !== 'get_weather')]);

  fake.script([{ content: 'Hello there.' }], { match: 'plain answer' });
  await save(client, 'plain-answer', await env.start({ prompt: 'A plain answer.' }, 'history-plain-answer'));

  fake.script(
    [
      { content: ['Oslo', 'Rome', 'Lima'].map((city) => ({ type: 'tool_use', name: 'get_weather', input: { city } })) },
      { content: 'Three forecasts.' },
    ],
    { match: 'fan out' },
  );
  await save(client, 'fan-out', await env.start({ prompt: 'Please fan out.' }, 'history-fan-out'));

  fake.script(
    [
      {
        content: [
          { type: 'tool_use', name: 'launch_rocket', input: {} },
          { type: 'tool_use', name: 'get_weather', input: { city: 5 } },
          { type: 'tool_use', name: 'broken_lookup', input: { permanent: true } },
        ],
      },
      { content: 'Partly', stopReason: 'max_tokens' },
      { content: ' done.' },
    ],
    { match: 'tool errors' },
  );
  await save(client, 'tool-errors', await env.start({ prompt: 'Show tool errors.', onMaxTokens: 'continue' }, 'history-tool-errors'));

  fake.script(
    [{ content: [{ type: 'tool_use', id: 'toolu_history_ap', name: 'close_account', input: { account: 'h1' } }] }, { content: 'Closed.' }],
    { match: 'approval' },
  );
  const approval = await env.start({ prompt: 'Needs approval.' }, 'history-approval');
  for (let i = 0; i < 100 && (await getProgress(client, approval.workflowId).catch(() => undefined))?.approvalsWaiting.length !== 1; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  await approval.executeUpdate(approveUpdate, { args: [{ toolUseId: 'toolu_history_ap', approved: true, note: 'ok' }] });
  await save(client, 'approval', approval);

  fake.script([{ content: [{ type: 'tool_use', name: 'get_weather', input: { city: 'Nowhere', delayMs: 5000 } }] }], {
    match: 'cancel',
  });
  const cancel = await env.start({ prompt: 'Then cancel.' }, 'history-cancel');
  await waitFor('the tool call', () => fake.requests.some((r) => r.match === 'cancel'));
  await new Promise((r) => setTimeout(r, 500));
  await cancel.signal(cancelSignal, { reason: 'recorded cancel' });
  await save(client, 'cancel', cancel);
}

async function crashResumed(env: TestEnv): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'record-'));
  const log = path.join(dir, 'log.jsonl');
  const childEnv = {
    TEMPORAL_ADDRESS: env.server.address,
    DURABLE_AGENT_TASK_QUEUE: `${env.taskQueue}-crash`,
    ANTHROPIC_BASE_URL: env.fake.url,
    WORKFLOW_BUNDLE: await writeBundle(dir),
    EXECUTION_LOG: log,
    DURABLE_AGENT_TOOLS: '',
  };
  env.fake.script(
    [{ content: [{ type: 'tool_use', name: 'step', input: { n: 1, ms: 3000 } }] }, { content: 'Resumed.' }],
    { match: 'crash resumed' },
  );
  const first = await startChildWorker(childEnv);
  const { handle } = await startRun(env.client, { prompt: 'A crash resumed run.' }, { workflowId: 'history-crash-resumed', taskQueue: childEnv.DURABLE_AGENT_TASK_QUEUE });
  await waitFor('the step', () => readExecutions(log).some((e) => e.event === 'start'));
  await first.kill();
  const second = await startChildWorker(childEnv);
  await save(env.client, 'crash-resumed', handle);
  await second.kill();
}

async function main(): Promise<void> {
  const env = await startTestEnv();
  try {
    await inProcess(env);
    await crashResumed(env);
  } finally {
    await env.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
