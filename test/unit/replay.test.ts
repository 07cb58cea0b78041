// Replays recorded histories of every workflow shape against today's workflow code: no server, no Claude.
// A change to agentRun that would break runs in flight (a non-determinism error) fails here. Record new
// histories with `npx tsx test/histories/record.ts`; see README, "Changing the loop".
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../src/worker';

Runtime.install({ logger: new DefaultLogger('ERROR') });

const dir = path.join(__dirname, '..', 'histories');
const histories = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();
const bundle = bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('ERROR') });

describe('replay of recorded histories', () => {
  it('has a history for every workflow shape', () => {
    const shapes = ['approval', 'cancel', 'crash-resumed', 'fan-out', 'plain-answer', 'tool-errors'];
    assert.deepEqual(
      histories.map((f) => f.replace(/\.json$/, '')),
      shapes,
    );
  });

  it('keeps zod, the input defaults and the price table out of the workflow bundle', async () => {
    // Replay runs the workflow bundle against history alone; what is not in the bundle cannot change a
    // replayed decision, so a deploy that changes a default limit or a price cannot break a run in flight.
    const { code } = await bundle;
    const modules = [...code.matchAll(/"\.\/((?:src|node_modules)\/[^"]+)"/g)].map((m) => m[1]);
    assert.ok(modules.includes('src/workflows/agent-run.ts'), 'the module list was read from the bundle');
    for (const banned of ['node_modules/zod/', 'src/shared/input.ts', 'src/shared/pricing.ts']) {
      assert.deepEqual(
        modules.filter((m) => m?.startsWith(banned)),
        [],
        `${banned} is in the workflow bundle`,
      );
    }
    assert.ok(!code.includes('claude-3-5-haiku'), 'the price table is in the workflow bundle');
  });

  it('finds the resolved limits and prices in history, as the result of pinRun', () => {
    const history = JSON.parse(readFileSync(path.join(dir, 'plain-answer.json'), 'utf8')) as {
      events: Array<{
        activityTaskCompletedEventAttributes?: { result: { payloads: Array<{ data: string }> } };
      }>;
    };
    const first = history.events.find((e) => e.activityTaskCompletedEventAttributes);
    const payload = first?.activityTaskCompletedEventAttributes?.result.payloads[0]?.data ?? '';
    const pinned = JSON.parse(Buffer.from(payload, 'base64').toString()) as {
      plan: { limits: { maxIterations: number }; pricing: { inputPerMTok: number } };
      tools: Array<{ description?: string; inputSchema?: unknown }>;
    };
    assert.equal(pinned.plan.limits.maxIterations, 10);
    assert.equal(pinned.plan.pricing.inputPerMTok, 3);
    // No workflow code reads a tool's description or input schema; they stay in the pinned request.
    assert.ok(pinned.tools.length > 0);
    for (const tool of pinned.tools)
      assert.deepEqual([tool.description, tool.inputSchema], [undefined, undefined]);
  });

  for (const file of histories) {
    it(`replays ${file} without non-determinism`, async () => {
      const history: unknown = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
      await Worker.runReplayHistory({ workflowBundle: await bundle, replayName: file }, history);
    });
  }
});
