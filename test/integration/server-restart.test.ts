// Integration tests: the Temporal dev server itself is stopped and started again (same SQLite file) in the
// middle of a run; the worker reconnects and the run finishes with nothing repeated.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { NativeConnection } from '@temporalio/worker';
import type { Worker } from '@temporalio/worker';
import { awaitResult, connectClient, startRun } from '../../src/client';
import { startDevServer } from '../../src/dev-server';
import type { DevServer } from '../../src/dev-server';
import { startFakeClaude } from '../../src/testing';
import type { FakeClaude } from '../../src/testing';
import { createAgentWorker } from '../../src/worker';
import { waitFor } from '../helpers/child-worker';
import { workflowBundle } from '../helpers/env';
import { executions, testTools } from '../helpers/tools';

let server: DevServer;
let fake: FakeClaude;
let connection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
const taskQueue = 'server-restart';

before(async () => {
  const dbFile = path.join(await mkdtemp(path.join(os.tmpdir(), 'restart-')), 'temporal.db');
  [server, fake] = await Promise.all([startDevServer({ ui: false, dbFile }), startFakeClaude()]);
  connection = await NativeConnection.connect({ address: server.address });
  worker = await createAgentWorker({
    connection,
    config: { namespace: server.namespace, taskQueue, toolModules: [] },
    tools: testTools,
    anthropic: new Anthropic({ apiKey: 'test-key', baseURL: fake.url, maxRetries: 0 }),
    workflowBundle: await workflowBundle(),
  });
  running = worker.run();
});
after(async () => {
  worker?.shutdown();
  await running?.catch(() => undefined);
  await connection?.close();
  await fake?.close();
  await server?.stop();
});

describe('Temporal server restart', () => {
  it('finishes a run whose server restarted while a tool ran, repeating nothing', async () => {
    fake.script(
      [
        {
          content: [
            {
              type: 'tool_use',
              id: 'toolu_restart',
              name: 'get_weather',
              input: { city: 'Restartburg', delayMs: 6000 },
            },
          ],
        },
        { content: 'Survived the restart.' },
      ],
      { match: 'through a restart' },
    );
    let client = await connectClient({ address: server.address });
    const { workflowId } = await startRun(client, { prompt: 'Run through a restart.' }, { taskQueue });
    await waitFor('the tool to start', () =>
      executions.some((e) => (e.input as { city?: string }).city === 'Restartburg'),
    );
    await client.connection.close();
    const restartStarted = Date.now();
    await server.restart();
    console.log(`server restart took ${Date.now() - restartStarted} ms`);

    client = await connectClient({ address: server.address });
    const result = await awaitResult(client.workflow.getHandle(workflowId));
    await client.connection.close();
    assert.equal(result.status, 'completed');
    assert.equal(result.text, 'Survived the restart.');
    assert.equal(
      executions.filter((e) => (e.input as { city?: string }).city === 'Restartburg').length,
      1,
      'the tool ran once',
    );
    assert.equal(
      fake.requests.filter((r) => r.match === 'through a restart').length,
      2,
      'one request per turn',
    );
  });
});
