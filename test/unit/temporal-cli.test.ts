// Pure unit tests: no server and no Go build. Each test passes its own `env`, so process.env is untouched.
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TEMPORAL_CLI_VERSION } from '../../src/shared/constants';
import {
  cacheRoot,
  cachedTemporalCliPath,
  findOrInstallTemporalCli,
  findTemporalCli,
  goBuildLogPath,
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
});

describe('install when nothing is found', () => {
  // A stand-in for `go`: prints Go-like lines (two package lines) and writes a working binary into GOBIN.
  async function fakeGo(bin: string): Promise<void> {
    await mkdir(bin, { recursive: true });
    const script = [
      '#!/bin/sh',
      'echo "go: downloading github.com/example/mod v1.0.0" >&2',
      'echo "github.com/example/mod/a"',
      'echo "github.com/example/mod/b"',
      'printf \'#!/bin/sh\\necho "temporal version 0.0.0-built"\\n\' > "$GOBIN/temporal"',
      '/bin/chmod +x "$GOBIN/temporal"',
    ].join('\n');
    await writeFile(join(bin, 'go'), `${script}\n`);
    await chmod(join(bin, 'go'), 0o755);
  }

  test('the SDK download comes first, within its time limit, and Go is not run', async () => {
    const root = join(dir, 'download-first');
    const bin = join(dir, 'download-first-bin');
    await fakeGo(bin);
    const seen: number[] = [];
    const cli = await findOrInstallTemporalCli({
      env: { PATH: bin, DURABLE_AGENT_CACHE_DIR: root, DURABLE_AGENT_CLI_DOWNLOAD_TIMEOUT_SECONDS: '7' },
      download: async (into, timeoutMs) => {
        seen.push(timeoutMs);
        return fakeCli(join(into, 'temporal-sdk-typescript-1.0.0'));
      },
    });
    assert.equal(cli.source, 'sdk-download');
    assert.deepEqual(seen, [7000]);
    assert.equal(await findTemporalCli({ env: { PATH: '' }, cacheDir: root }), cli.path, 'found next time');
  });

  test('a failed download falls back to Go, with a progress line and the output in a log file', async () => {
    const root = join(dir, 'go-fallback');
    const bin = join(dir, 'go-fallback-bin');
    await fakeGo(bin);
    const lines: string[] = [];
    const progress: string[] = [];
    const cli = await findOrInstallTemporalCli({
      env: { PATH: bin, DURABLE_AGENT_CACHE_DIR: root },
      log: (l) => lines.push(l),
      progress: (l) => progress.push(l),
      download: () => Promise.reject(new Error('dns error: Name or service not known')),
    });
    assert.deepEqual(cli, { kind: 'binary', path: cachedTemporalCliPath(root), source: 'go-build' });
    const said = lines.join('\n');
    assert.match(said, /download failed \(dns error: Name or service not known\); building .* with Go/);
    assert.match(said, new RegExp(`Go's output goes to ${goBuildLogPath(root)}`));
    assert.doesNotMatch(said, /go: downloading/, 'Go output stays in the log file');
    assert.match(await readFile(goBuildLogPath(root), 'utf8'), /go: downloading github.com\/example\/mod/);
    assert.match(progress.at(-1) ?? '', /^Building the Temporal CLI: \d+ s, 2 packages compiled$/);
  });

  test('without a download and without Go, the error says what to do', async () => {
    await assert.rejects(
      findOrInstallTemporalCli({
        env: { PATH: '', DURABLE_AGENT_CACHE_DIR: join(dir, 'nothing') },
        download: () => Promise.reject(new Error('no download within 60 s')),
      }),
      /download failed \(no download within 60 s\) and Go is not installed.*Install Go.*TEMPORAL_CLI/,
    );
  });

  test('a bad download timeout setting is refused with its name', async () => {
    await assert.rejects(
      findOrInstallTemporalCli({
        env: {
          PATH: '',
          DURABLE_AGENT_CACHE_DIR: join(dir, 'nothing'),
          DURABLE_AGENT_CLI_DOWNLOAD_TIMEOUT_SECONDS: 'soon',
        },
      }),
      /DURABLE_AGENT_CLI_DOWNLOAD_TIMEOUT_SECONDS must be a number of seconds, not "soon"/,
    );
  });

  test('the SDK executable option points at the binary found', () => {
    const cli = { kind: 'binary', path: '/x/temporal', source: 'cache' } as const;
    assert.deepEqual(toEphemeralServerExecutable(cli), { type: 'existing-path', path: '/x/temporal' });
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
