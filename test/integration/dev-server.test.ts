// Integration test against a real `temporal server start-dev` (found, built or downloaded on first use).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { startDevServer } from '../../src/dev-server';
import type { DevServer } from '../../src/dev-server';
import { SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';

let dir: string;
let server: DevServer | undefined;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dev-server-test-'));
});

after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function withConnection<T>(address: string, fn: (c: Connection) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address });
  try {
    return await fn(connection);
  } finally {
    await connection.close();
  }
}

/** Which of the project's search attributes the server knows, sorted. */
async function ourSearchAttributes(address: string): Promise<string[]> {
  const res = await withConnection(address, (c) =>
    c.operatorService.listSearchAttributes({ namespace: 'default' }),
  );
  return Object.keys(res.customAttributes ?? {})
    .filter((name) => EXPECTED.includes(name))
    .sort();
}

const EXPECTED = SEARCH_ATTRIBUTES.map((a) => a.name).sort();

test('serves the default namespace with our search attributes, keeps its database across a restart and stops', async () => {
  const dbFile = join(dir, 'temporal.db');
  let started = Date.now();
  server = await startDevServer({ dbFile, ui: false, log: (l) => console.error(l) });
  console.error(`dev server ready in ${Date.now() - started} ms at ${server.address}`);
  assert.equal(server.dbFile, dbFile);
  assert.equal(server.uiUrl, undefined);

  const described = await withConnection(server.address, (c) =>
    c.workflowService.describeNamespace({ namespace: 'default' }),
  );
  assert.equal(described.namespaceInfo?.name, 'default');
  assert.deepEqual(await ourSearchAttributes(server.address), EXPECTED);
  // Something only the database file can bring back after the restart.
  await withConnection(server.address, (c) =>
    c.workflowService.registerNamespace({
      namespace: 'survives-restart',
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    }),
  );

  const firstPid = server.process.pid;
  started = Date.now();
  await server.restart();
  console.error(`dev server restarted in ${Date.now() - started} ms`);
  assert.notEqual(server.process.pid, firstPid);
  const kept = await withConnection(server.address, (c) =>
    c.workflowService.describeNamespace({ namespace: 'survives-restart' }),
  );
  assert.equal(kept.namespaceInfo?.name, 'survives-restart');
  assert.deepEqual(await ourSearchAttributes(server.address), EXPECTED);

  const child = server.process;
  await server.stop();
  assert.ok(child.exitCode !== null || child.signalCode !== null, 'child process has exited');
  assert.throws(() => process.kill(child.pid as number, 0), { code: 'ESRCH' });
  const gone = Connection.lazy({ address: server.address, connectTimeout: 500 });
  await assert.rejects(gone.ensureConnected(), 'nothing answers on the address after stop');
  await gone.close();
  server = undefined;
});

test('serves the Web UI on the port it reports', async () => {
  server = await startDevServer({ log: (l) => console.error(l) });
  assert.ok(server.uiUrl);
  const res = await fetch(server.uiUrl);
  assert.equal(res.status, 200);
  await server.stop();
  server = undefined;
});
