// Unit tests: no workers, no servers. Which tools may run in a child process, and the worker-wide default.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { defineTool } from '../../src/activities/tools/define';
import { loadToolModules } from '../../src/activities/tools/load';
import { createToolRegistry } from '../../src/activities/tools/registry';
import { ToolSchemaError } from '../../src/activities/tools/schema';
import { workerSettingsFromEnv } from '../../src/worker-settings';

const MODULE = path.resolve(__dirname, '..', 'helpers', 'isolated-tools.ts');

const inCode = defineTool({
  name: 'in_code',
  description: 'A tool made in code, with no module a child process could load.',
  input: z.object({}),
  effect: 'read',
  run: () => 'ok',
});

describe('tool isolation settings', () => {
  it('runs module tools that ask for it in a child process that loads their module, the others in the worker', async () => {
    const registry = createToolRegistry(await loadToolModules([MODULE]));
    assert.equal(registry.isolatedModule?.('exits_process'), MODULE);
    assert.equal(registry.isolatedModule?.('reports_pid'), undefined);
  });

  it("refuses `isolation: 'process'` on a tool given in code, saying how to fix it", () => {
    assert.throws(
      () => createToolRegistry([{ ...inCode, isolation: 'process' }]),
      (err: unknown) =>
        err instanceof ToolSchemaError &&
        /tool "in_code": it has `isolation: 'process'`, but the tool was given in code/.test(err.message) &&
        /DURABLE_AGENT_TOOLS/.test(err.message),
    );
  });

  it("DURABLE_AGENT_TOOL_ISOLATION=process isolates every module tool and refuses code tools unless they say 'none'", async () => {
    const settings = workerSettingsFromEnv({ DURABLE_AGENT_TOOL_ISOLATION: 'process' });
    assert.equal(settings.toolIsolation, 'process');
    const options = { isolation: 'process' as const };
    const registry = createToolRegistry(await loadToolModules([MODULE]), options);
    assert.equal(registry.isolatedModule?.('reports_pid'), MODULE);
    assert.throws(() => createToolRegistry([inCode], options), /DURABLE_AGENT_TOOL_ISOLATION is 'process'/);
    const optedOut = createToolRegistry([{ ...inCode, isolation: 'none' }], options);
    assert.equal(optedOut.isolatedModule?.('in_code'), undefined);
    assert.throws(
      () => workerSettingsFromEnv({ DURABLE_AGENT_TOOL_ISOLATION: 'thread' }),
      /DURABLE_AGENT_TOOL_ISOLATION must be 'process'/,
    );
  });
});
