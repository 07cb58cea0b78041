// Integration test: the worker keeps a run's stream file open while the run is written, and lets go of it when
// it shuts down. A real Temporal dev server, an in-process worker and the fake Claude over real HTTP.
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalDiskStore } from '../../src/store/message-store';
import { startTestEnv } from '../helpers/env';
import type { TestEnv } from '../helpers/env';
import { testTools } from '../helpers/tools';
import { openDescriptors } from '../helpers/descriptors';

let env: TestEnv;
let dir: string;
let closed = false;
before(async () => {
  env = await startTestEnv();
  dir = await mkdtemp(path.join(os.tmpdir(), 'stream-handles-'));
  await env.startWorker(testTools, { store: new LocalDiskStore(dir) });
});
after(async () => {
  if (!closed) await env?.close();
});

describe('stream files of a worker', () => {
  it('are written through one open descriptor per run and closed when the worker shuts down', async () => {
    const tag = 'stream handles';
    env.fake.script(
      [
        {
          content: [{ type: 'tool_use', id: 'toolu_handles', name: 'get_weather', input: { city: 'Oslo' } }],
        },
        { content: 'Sunny in Oslo.' },
      ],
      { match: tag },
    );
    const id = `stream-handles-${Date.now()}`;
    const result = await env.run({ prompt: `${tag}: weather in Oslo?` }, id);
    assert.equal(result.status, 'completed');
    const file = path.join(dir, 'streams', `${id}.jsonl`);
    const events = (await readFile(file, 'utf8')).trim().split('\n');
    assert.ok(
      events.some((line) => line.includes('"run_finished"')),
      'the run end was not written',
    );
    // Many appends (the model calls' deltas, the tool's start and end, the run's end), one descriptor.
    assert.equal(await openDescriptors(file), 1);

    closed = true;
    await env.close();
    assert.equal(await openDescriptors(file), 0, 'the worker kept the stream file open after it stopped');
  });
});
