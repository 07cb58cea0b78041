// Unit tests: no workers, no servers, no Docker. The Dockerfile and .dockerignore read as text: a pinned glibc
// base, reproducible production dependencies, a non-root user, a health check, and a build context that
// holds what the image copies and nothing else.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const root = path.resolve(__dirname, '..', '..');
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');

// Instructions with their continuation lines joined, comments dropped.
const instructions = read('Dockerfile')
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));
const all = (keyword: string): string[] =>
  instructions
    .filter((line) => line.toUpperCase().startsWith(`${keyword} `))
    .map((line) => line.slice(keyword.length + 1));

describe('Dockerfile', () => {
  it('builds in one stage and runs in another, both on a pinned Node 20 slim (glibc) image', () => {
    const from = all('FROM').map((f) => f.split(/\s+/)[0] ?? '');
    assert.equal(from.length, 2);
    for (const image of from) {
      assert.match(image, /^node:20\.\d+\.\d+-[a-z]+-slim$/, `${image} is node 20, a full version, slim`);
      assert.doesNotMatch(image, /alpine/, 'the Temporal core bridge needs glibc');
    }
    assert.match(all('RUN').join('\n'), /npm run build/, 'the first stage compiles dist/');
  });

  it('installs the locked production dependencies with npm ci', () => {
    const runs = all('RUN').join('\n');
    assert.match(runs, /npm ci --omit=dev/);
    const copies = all('COPY');
    const packageCopy = copies.findIndex((c) => c.includes('package-lock.json'));
    const sourceCopy = copies.findIndex((c) => c.startsWith('src/'));
    assert.ok(packageCopy >= 0 && packageCopy < sourceCopy, 'package files are copied before the sources');
  });

  it('compiles the sources and examples, and runs the compiled worker by default', () => {
    const sources = all('COPY').flatMap((c) => c.split(/\s+/).slice(0, -1));
    for (const needed of ['src/', 'examples/', 'bin/', 'package.json', 'tsconfig.build.json', '--from=build'])
      assert.ok(sources.includes(needed), needed);
    const cmd = JSON.parse(all('CMD')[0] ?? '[]') as string[];
    assert.deepEqual(cmd, ['node', 'dist/src/worker.js']);
    const build = JSON.parse(read('tsconfig.build.json')) as { compilerOptions: { outDir: string } };
    assert.equal(build.compilerOptions.outDir, 'dist', 'the build writes where the image looks');
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    assert.equal(scripts.worker, 'tsx src/worker.ts', 'the image runs what `npm run worker` runs, compiled');
  });

  it('runs as a user other than root', () => {
    const users = all('USER');
    assert.ok(users.length > 0, 'a USER instruction');
    assert.doesNotMatch(users[users.length - 1] ?? '', /^(root|0)(:|$)/);
  });

  it('has a health check on the file the worker keeps fresh', () => {
    const check = all('HEALTHCHECK');
    assert.equal(check.length, 1);
    assert.match(check[0] ?? '', /CMD .*DURABLE_AGENT_HEALTH_FILE/);
    assert.match(instructions.join('\n'), /ENV .*DURABLE_AGENT_HEALTH_FILE=\//);
  });

  it('keeps the message store on /data, where the Compose file mounts the shared volume', () => {
    assert.match(instructions.join('\n'), /DURABLE_AGENT_STORE_DIR=\/data\//);
  });
});

describe('.dockerignore', () => {
  const lines = read('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));

  it('excludes everything but what the Dockerfile copies', () => {
    assert.equal(lines[0], '*', 'starts by excluding everything');
    const allowed = lines.filter((l) => l.startsWith('!')).map((l) => l.slice(1));
    // Copies from the build stage take nothing from the context.
    const copied = all('COPY')
      .filter((c) => !c.startsWith('--from='))
      .flatMap((c) => c.split(/\s+/).slice(0, -1));
    for (const source of copied) assert.ok(allowed.includes(source), `${source} is in the build context`);
    for (const entry of ['node_modules', '.git', '.cache', 'test-output', 'test/']) {
      assert.ok(!allowed.some((a) => a.startsWith(entry)), `${entry} stays out`);
    }
    assert.ok(lines.includes('**/node_modules'), 'no nested node_modules either');
  });
});
