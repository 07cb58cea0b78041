// Integration tests: a real Temporal dev server, a worker in this process, the fake Claude over real HTTP.
// A tool that ignores its abort signal loses its slot after a grace period, and the worker knows it is stuck.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { StuckCalls } from '../../src/activities/stuck-calls';
import { defineTool } from '../../src/activities/tools/define';
import { useTestEnv } from '../helpers/env';
import { weather } from '../helpers/tools';

let release: () => void = () => undefined;
const finished = new Promise<void>((resolve) => {
  release = resolve;
});

const ignoresAbort = defineTool({
  name: 'ignores_abort',
  description: 'Waits for something that never comes and ignores its abort signal.',
  input: z.object({}),
  effect: 'read',
  retries: 0,
  timeout: '1s',
  run: () => finished.then(() => 'finally'),
});

const stuckCalls = new StuckCalls();
// One activity slot: if the hung call kept it, no other tool (nor the run's bookkeeping) could run again.
const env = useTestEnv([ignoresAbort, weather], {
  settings: { maxConcurrentActivities: 1, toolStopGraceMs: 500 },
  stuckCalls,
});

describe('a tool that ignores its abort signal', () => {
  it('gives its slot back after the grace period and is reported as stuck until it ends', async () => {
    env.fake.script(
      [{ content: [{ type: 'tool_use', name: 'ignores_abort', input: {} }] }, { content: 'Gave up.' }],
      { match: 'hung tool' },
    );
    const hung = await env.run({ prompt: 'Call the hung tool.' });
    assert.equal(hung.toolCalls[0]?.status, 'timed_out');

    env.fake.script(
      [
        { content: [{ type: 'tool_use', name: 'get_weather', input: { city: 'Lima' } }] },
        { content: 'Sunny.' },
      ],
      { match: 'next tool' },
    );
    const next = await env.run({ prompt: 'Call the next tool.' });
    assert.equal(next.toolCalls[0]?.status, 'succeeded');
    assert.deepEqual(
      stuckCalls.list().map((c) => c.tool),
      ['ignores_abort'],
    );

    release();
    await finished;
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(stuckCalls.list(), []);
  });
});
