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

  for (const file of histories) {
    it(`replays ${file} without non-determinism`, async () => {
      const history: unknown = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
      await Worker.runReplayHistory({ workflowBundle: await bundle, replayName: file }, history);
    });
  }
});
