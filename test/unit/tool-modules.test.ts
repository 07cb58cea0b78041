// Unit tests: no workers, no servers. Tool modules that hang or throw oddly at import are refused with a
// message that names the module; each case is a real file in a temp directory.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadToolModules, ToolModuleError } from '../../src/activities/tools/load';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tool-modules-'));
  await writeFile(path.join(dir, 'hangs.mjs'), 'await new Promise(() => {});\nexport default [];\n');
  await writeFile(path.join(dir, 'throws-string.cjs'), "throw 'the database is down';\n");
  await writeFile(path.join(dir, 'throws-object.mjs'), 'throw { code: 42 };\n');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loading tool modules', () => {
  it('times out a module that never finishes loading, naming it and the setting', async () => {
    await assert.rejects(loadToolModules(['hangs.mjs'], dir, { importTimeoutMs: 200 }), (err: unknown) => {
      assert.ok(err instanceof ToolModuleError);
      assert.match(err.message, /hangs\.mjs .*did not finish loading within 0\.2s/);
      assert.match(err.message, /DURABLE_AGENT_TOOL_IMPORT_TIMEOUT_SECONDS/);
      return true;
    });
  });

  it('says what a module threw when it is not an Error', async () => {
    await assert.rejects(loadToolModules(['throws-string.cjs'], dir), (err: unknown) => {
      assert.ok(err instanceof ToolModuleError);
      assert.match(err.message, /cannot load throws-string\.cjs .*: the database is down$/);
      return true;
    });
    await assert.rejects(loadToolModules(['throws-object.mjs'], dir), (err: unknown) => {
      assert.ok(err instanceof ToolModuleError);
      assert.match(err.message, /throws-object\.mjs .*it threw a non-Error value: \{"code":42\}/);
      return true;
    });
  });
});
