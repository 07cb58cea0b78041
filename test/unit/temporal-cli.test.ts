// Pure unit tests: no server and no Go build. Each test passes its own `env`, so process.env is untouched.
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TEMPORAL_CLI_VERSION } from '../../src/shared/constants';
import {
  cacheRoot,
  cachedTemporalCliPath,
  findOrInstallTemporalCli,
  findTemporalCli,
  toEphemeralServerExecutable,
} from '../../src/dev-server/temporal-cli';

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'temporal-cli-test-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fakeCli(path: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, '#!/bin/sh\necho "temporal version 0.0.0-fake"\n');
  await chmod(path, 0o755);
  return path;
}

describe('TEMPORAL_CLI', () => {
  test('pointing at a file that is not executable fails with what to do', async () => {
    const path = join(dir, 'not-executable');
    await writeFile(path, 'just text');
    const env = { TEMPORAL_CLI: path, PATH: '' };
    await assert.rejects(
      findTemporalCli({ env }),
      /TEMPORAL_CLI is set to .*not an executable file.*unset it/,
    );
    await assert.rejects(findOrInstallTemporalCli({ env }), /not an executable file/);
  });

  test('pointing at a missing file fails the same way', async () => {
    const env = { TEMPORAL_CLI: join(dir, 'missing'), PATH: '' };
    await assert.rejects(findTemporalCli({ env }), /not an executable file/);
  });

  test('pointing at an executable is used before anything else', async () => {
    const path = await fakeCli(join(dir, 'env', 'temporal'));
    const cacheDir = join(dir, 'env-cache');
    await fakeCli(cachedTemporalCliPath(cacheDir));
    const env = { TEMPORAL_CLI: path, PATH: '' };
    assert.equal(await findTemporalCli({ env, cacheDir }), path);
    assert.deepEqual(await findOrInstallTemporalCli({ env, cacheDir }), {
      kind: 'binary',
      path,
      source: 'env',
    });
  });
});

describe('lookup order', () => {
  test('a working temporal on PATH is found', async () => {
    const bin = join(dir, 'path-bin');
    const path = await fakeCli(join(bin, 'temporal'));
    const env = { PATH: bin, DURABLE_AGENT_CACHE_DIR: join(dir, 'empty-cache') };
    assert.deepEqual(await findOrInstallTemporalCli({ env }), { kind: 'binary', path, source: 'path' });
  });

  test('a temporal on PATH that cannot print its version is skipped', async () => {
    const bin = join(dir, 'broken-bin');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'temporal'), '#!/bin/sh\nexit 3\n');
    await chmod(join(bin, 'temporal'), 0o755);
    const env = { PATH: bin, DURABLE_AGENT_CACHE_DIR: join(dir, 'empty-cache') };
    assert.equal(await findTemporalCli({ env }), undefined);
  });

  test('the cached build under DURABLE_AGENT_CACHE_DIR is found', async () => {
    const root = join(dir, 'cache');
    const path = await fakeCli(join(root, 'temporal-cli', TEMPORAL_CLI_VERSION, 'temporal'));
    const env = { PATH: '', DURABLE_AGENT_CACHE_DIR: root };
    assert.deepEqual(await findOrInstallTemporalCli({ env }), { kind: 'binary', path, source: 'cache' });
  });

  test('without a CLI and without Go, the SDK download is the answer', async () => {
    const env = { PATH: '', DURABLE_AGENT_CACHE_DIR: join(dir, 'empty-cache') };
    const lines: string[] = [];
    const cli = await findOrInstallTemporalCli({ env, log: (l) => lines.push(l) });
    assert.deepEqual(cli, { kind: 'download' });
    assert.match(lines.join('\n'), /install Go .* or set TEMPORAL_CLI/);
    assert.deepEqual(toEphemeralServerExecutable(cli), { type: 'cached-download' });
  });
});

describe('cache path', () => {
  test('honours DURABLE_AGENT_CACHE_DIR first', () => {
    const env = { DURABLE_AGENT_CACHE_DIR: '/c/da', XDG_CACHE_HOME: '/c/xdg' };
    assert.equal(cacheRoot(env), '/c/da');
    assert.equal(
      cachedTemporalCliPath(cacheRoot(env)),
      `/c/da/temporal-cli/${TEMPORAL_CLI_VERSION}/temporal`,
    );
  });

  test('falls back to XDG_CACHE_HOME, then ~/.cache', () => {
    assert.equal(cacheRoot({ XDG_CACHE_HOME: '/c/xdg' }), '/c/xdg/durable-agent');
    assert.equal(cacheRoot({}), join(homedir(), '.cache', 'durable-agent'));
  });
});
