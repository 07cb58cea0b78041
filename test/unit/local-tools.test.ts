// Unit tests: no workers, no servers. Which tools may run as local activities (`runAs: 'localActivity'`), how the
// choice is pinned into the tool's spec, and that heartbeats are no-ops inside a local activity.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { Context } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { z } from 'zod';
import { startHeartbeat, toolHeartbeat } from '../../src/activities/heartbeat';
import { defineTool } from '../../src/activities/tools/define';
import type { AnyTool } from '../../src/activities/tools/define';
import { createToolRegistry, describeTool } from '../../src/activities/tools/registry';
import { ToolSchemaError } from '../../src/activities/tools/schema';

function lookup(extra: Partial<AnyTool> = {}): AnyTool {
  return {
    ...defineTool({
      name: 'lookup',
      description: 'Looks a key up.',
      input: z.object({ key: z.string() }),
      effect: 'read',
      run: ({ key }) => key,
    }),
    ...extra,
  };
}

describe('runAs: localActivity at registration', () => {
  it('pins local: true for a read tool, and nothing for a tool without runAs or with runAs activity', () => {
    const local = describeTool(lookup({ runAs: 'localActivity' }));
    assert.equal(local.local, true);
    assert.equal('local' in describeTool(lookup()), false);
    assert.equal('local' in describeTool(lookup({ runAs: 'activity' })), false);
    // The schema hash is the tool's contract: switching how calls run does not make open runs refuse it.
    assert.equal(local.schemaHash, describeTool(lookup()).schemaHash);
  });

  for (const effect of ['idempotent', 'unsafe'] as const) {
    it(`refuses runAs localActivity on an ${effect} tool, saying what to change`, () => {
      assert.throws(
        () => createToolRegistry([lookup({ effect, runAs: 'localActivity' })]),
        (err: unknown) =>
          err instanceof ToolSchemaError &&
          err.message.includes('tool "lookup"') &&
          err.message.includes(`only for 'read' tools, and this one is '${effect}'`) &&
          err.message.includes('Remove `runAs`'),
      );
    });
  }

  it("refuses runAs localActivity with isolation 'process'", () => {
    assert.throws(
      () => createToolRegistry([lookup({ runAs: 'localActivity', isolation: 'process' })]),
      /tool "lookup": `runAs: 'localActivity'` runs the call in the worker's own process, so it cannot have `isolation: 'process'`/,
    );
  });

  it("refuses it when DURABLE_AGENT_TOOL_ISOLATION=process would isolate the tool, and accepts isolation 'none'", () => {
    assert.throws(
      () => createToolRegistry([lookup({ runAs: 'localActivity' })], { isolation: 'process' }),
      /DURABLE_AGENT_TOOL_ISOLATION is 'process'\. Give the tool `isolation: 'none'`, or remove `runAs`/,
    );
    const registry = createToolRegistry([lookup({ runAs: 'localActivity', isolation: 'none' })], {
      isolation: 'process',
    });
    assert.equal(registry.spec('lookup')?.local, true);
    assert.equal(registry.isolatedModule?.('lookup'), undefined);
  });

  it('refuses a runAs that is neither activity nor localActivity', () => {
    assert.throws(
      () => createToolRegistry([lookup({ runAs: 'local' as never })]),
      /`runAs` must be 'activity' or 'localActivity', got "local"/,
    );
  });
});

describe('heartbeats in a local activity', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setInterval'] }));
  afterEach(() => mock.timers.reset());

  async function beats(isLocal: boolean): Promise<unknown[]> {
    const env = new MockActivityEnvironment(
      { isLocal, heartbeatTimeoutMs: 2_000 },
      {
        logger: new DefaultLogger('ERROR'),
      },
    );
    const sent: unknown[] = [];
    env.on('heartbeat', (d: unknown) => sent.push(d));
    await env.run(async () => {
      const ctx = Context.current();
      const stop = startHeartbeat(ctx);
      toolHeartbeat(ctx, (d) => ({ redacted: d }))('progress');
      mock.timers.tick(5_000);
      stop();
    });
    return sent;
  }

  it('sends none, from the timer or the tool, and does not throw', async () => {
    assert.deepEqual(await beats(true), []);
  });

  it('a regular activity sends both the timer beats and the tool’s own, prepared', async () => {
    const sent = await beats(false);
    assert.deepEqual(sent[0], { redacted: 'progress' });
    assert.equal(sent.length, 1 + 5);
  });
});
