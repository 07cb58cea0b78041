// Unit tests: no workers, no servers. The live progress of `durable-agent run`, against a fake status query.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { watchProgress } from '../../src/cli/progress';
import type { RunProgress } from '../../src/shared';

function fakeClient(progress: () => Partial<RunProgress>): Client {
  const full = (): RunProgress =>
    ({
      status: 'running',
      iterations: 0,
      costUsd: 0,
      toolCalls: [],
      toolsRunning: [],
      approvalsWaiting: [],
      usage: { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
      ...progress(),
    }) as RunProgress;
  return {
    workflow: { getHandle: () => ({ query: async () => full(), describe: async () => ({ raw: {} }) }) },
  } as unknown as Client;
}

const CLEAR_LINE = '\r\x1b[2K';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 10_000) assert.fail(`never saw ${what}`);
    await sleep(20);
  }
}

describe('watchProgress', () => {
  it('on a terminal rewrites one line in place (turn, tools, tokens, cost, elapsed) and clears it when stopped', async () => {
    const writes: string[] = [];
    const terminal = { columns: 200, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream;
    let state: Partial<RunProgress> = { iterations: 1, toolsRunning: ['get_weather'] };
    const stop = watchProgress(
      fakeClient(() => state),
      'run-1',
      () => assert.fail('no appended lines'),
      terminal,
    );
    await until('the first line', () => writes.length > 0);
    state = {
      iterations: 1,
      toolCalls: [{ name: 'get_weather' }] as RunProgress['toolCalls'],
      usage: { inputTokens: 100, outputTokens: 20, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
      costUsd: 0.0012,
    };
    await until('the second state', () => writes.some((w) => w.includes('120 tokens')));
    stop();
    assert.ok(
      writes.every((w) => w.startsWith(CLEAR_LINE) && !w.includes('\n')),
      'never a new line',
    );
    // Every write already starts with the clear-line sequence (checked above); the text follows it.
    assert.match(
      (writes[0] ?? '').slice(CLEAR_LINE.length),
      /^ {2}\d+\.\ds {2}turn 1 · running get_weather · 0 tool calls done · 0 tokens · \$0\.0000$/,
    );
    assert.ok(writes.some((w) => /turn 1 · 1 tool call done · 120 tokens · \$0\.0012$/.test(w)));
    assert.equal(writes[writes.length - 1], CLEAR_LINE);
  });

  it('cuts the line to the terminal width so \\r can rewrite it', async () => {
    const writes: string[] = [];
    const terminal = { columns: 30, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream;
    const stop = watchProgress(
      fakeClient(() => ({ iterations: 3 })),
      'run-1',
      () => undefined,
      terminal,
    );
    await until('a line', () => writes.length > 0);
    stop();
    assert.equal((writes[0] ?? '').replace(CLEAR_LINE, '').length, 29);
  });

  it('elsewhere appends a line only when the progress changes', async () => {
    const lines: string[] = [];
    let iterations = 1;
    const stop = watchProgress(
      fakeClient(() => ({ iterations })),
      'run-1',
      (l) => lines.push(l),
    );
    await until('the first line', () => lines.length === 1);
    await sleep(1100); // two more polls of the same progress
    iterations = 2;
    await until('the second line', () => lines.length === 2);
    await sleep(600);
    stop();
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0] ?? '', /^\d+\.\ds {2}turn 1 · 0 tool calls done/);
    assert.match(lines[1] ?? '', /^\d+\.\ds {2}turn 2 · /);
  });
});
