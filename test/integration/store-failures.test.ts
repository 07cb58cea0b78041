// Integration test: a real Temporal dev server, the fake Claude over real HTTP, and a worker whose message
// store fails as a full disk does (ENOSPC on write, a half-written file left behind by the failed write).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import * as nodeFs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { LocalDiskStore } from '../../src/store/message-store';
import type { StoreFs } from '../../src/store/message-store';
import { defineTool } from '../../src/activities/tools/define';
import { RunFailedError } from '../../src/client';
import type { MessageParam } from '../../src/shared';
import { startTestEnv } from '../helpers/env';
import type { TestEnv } from '../helpers/env';

/** File-system calls whose writes fail with ENOSPC while `failWrites` is above zero, after writing half. */
const disk = {
  failWrites: 0,
  ...nodeFs,
  async writeFile(file: string, data: Buffer | string): Promise<void> {
    if (disk.failWrites <= 0) return nodeFs.writeFile(file, data);
    disk.failWrites -= 1;
    await nodeFs.writeFile(file, data.slice(0, Math.floor(data.length / 2)));
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  },
};

let runs = 0;
/** A tool whose work is done before its result is stored; it breaks the store as its last step. */
const report = defineTool({
  name: 'build_report',
  description: 'Builds a large report.',
  input: z.object({ failWrites: z.number().int() }),
  effect: 'idempotent',
  run: ({ failWrites }) => {
    runs += 1;
    disk.failWrites = failWrites;
    return `REPORT ${'line of the report\n'.repeat(400)}END`;
  },
});

let env: TestEnv;
let dir: string;
before(async () => {
  env = await startTestEnv();
  dir = await nodeFs.mkdtemp(path.join(os.tmpdir(), 'failing-store-'));
  await env.startWorker([report], { store: new LocalDiskStore(dir, disk as StoreFs) });
});
after(async () => {
  await env?.close();
});

function scriptReport(match: string, failWrites: number, then: string): void {
  env.fake.script(
    [
      { content: [{ type: 'tool_use', id: 'toolu_report', name: 'build_report', input: { failWrites } }] },
      { content: then },
    ],
    { match },
  );
}

describe('a message store that fails after the work is done', () => {
  it('does not run a finished tool again when its result cannot be stored', async () => {
    runs = 0;
    const prompt = `Build the report ${randomUUID()}`;
    scriptReport(prompt, 1, 'The report is built.');
    const result = await env.run({ prompt });

    assert.equal(runs, 1, 'the tool ran again because its result could not be stored');
    assert.equal(result.status, 'completed');
    assert.equal(result.toolCalls[0]?.status, 'succeeded');
    // The result went inline instead, whole, and reached the model.
    const served = env.fake.requests.filter((r) => r.match === prompt);
    const messages = (served[1]?.body as { messages: MessageParam[] }).messages;
    assert.match(JSON.stringify(messages[messages.length - 1]), /REPORT (line of the report\\n){400}END/);
  });

  it('fails the run as MessageStoreUnavailable, naming the store, and leaves no temporary files', async () => {
    runs = 0;
    const prompt = `Build the report ${randomUUID()}`;
    scriptReport(prompt, 1_000_000, 'never sent');
    await assert.rejects(env.run({ prompt }), (err: unknown) => {
      assert.ok(err instanceof RunFailedError, String(err));
      assert.equal(err.type, 'MessageStoreUnavailable');
      assert.ok(err.message.includes(dir), err.message);
      assert.match(err.message, /DURABLE_AGENT_STORE_DIR.*ENOSPC|ENOSPC.*DURABLE_AGENT_STORE_DIR/s);
      return true;
    });
    disk.failWrites = 0;
    assert.equal(runs, 1, 'the tool ran again because its result could not be stored');
    const files = (await nodeFs.readdir(dir, { recursive: true })).map(String);
    assert.deepEqual(
      files.filter((f) => f.endsWith('.tmp')),
      [],
    );
  });
});

describe('a worker whose store directory cannot be written', () => {
  it('refuses to start, naming DURABLE_AGENT_STORE_DIR', async () => {
    const file = path.join(await nodeFs.mkdtemp(path.join(os.tmpdir(), 'not-a-dir-')), 'store');
    await nodeFs.writeFile(file, 'a file where the store directory should be');
    const cli = path.join(__dirname, '../../bin/durable-agent.js');
    const child = spawn(process.execPath, [cli, 'worker'], {
      env: {
        ...process.env,
        DURABLE_AGENT_STORE_DIR: file,
        ANTHROPIC_API_KEY: 'test-key',
        TEMPORAL_ADDRESS: env.server.address,
        TEMPORAL_NAMESPACE: env.server.namespace,
        DURABLE_AGENT_TASK_QUEUE: `refused-${randomUUID()}`,
        DURABLE_AGENT_METRICS_ADDRESS: 'off',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      // A worker that polls has started: stop it, and let the assertions below fail.
      if (stdout.includes('worker polling')) child.kill('SIGKILL');
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    const failure = { code, stderr };
    assert.notEqual(failure.code ?? 0, 0);
    assert.match(failure.stderr ?? '', /DURABLE_AGENT_STORE_DIR/);
    assert.ok(failure.stderr?.includes(file), failure.stderr);
  });
});
