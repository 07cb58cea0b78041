// Integration test: the package as users get it. `npm pack` builds dist/ and packs it; the tarball is installed
// into an empty project, where plain Node (no tsx, no TypeScript) runs the examples of examples/package
// against a real dev server.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startDevServer } from '../../src/dev-server';
import type { DevServer } from '../../src/dev-server';
import type { AgentResult } from '../../src/shared';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const EXAMPLES = path.join(ROOT, 'examples', 'package');

let dir: string;
let project: string;
let server: DevServer;

/** Plain Node in the consumer project, with nothing of the test's environment that would load tsx. */
function node(args: string[], env: NodeJS.ProcessEnv = {}) {
  const clean: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
  return run(process.execPath, args, { cwd: project, env: clean, maxBuffer: 16 * 1024 * 1024 });
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'durable-agent-package-'));
  project = path.join(dir, 'consumer');
  // The server starts while the package builds; it is kept even when packing fails, so `after` stops it.
  const starting = startDevServer({ ui: false });
  try {
    await run('npm', ['pack', '--pack-destination', dir], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  } finally {
    server = await starting;
  }
  const tarball = (await readdir(dir)).find((name) => name.endsWith('.tgz'));
  assert.ok(tarball, 'npm pack wrote a tarball');
  await run('mkdir', ['-p', project]);
  await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  await run('npm', ['install', path.join(dir, tarball), '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: project,
    maxBuffer: 16 * 1024 * 1024,
  });
  for (const file of await readdir(EXAMPLES))
    await copyFile(path.join(EXAMPLES, file), path.join(project, file));
});

after(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the packed package on plain Node', () => {
  it('importing durable-agent loads neither the worker nor the native core', async () => {
    const { stdout } = await node([
      '-e',
      `const api = require('durable-agent');
       const loaded = Object.keys(require.cache).filter((f) => /@temporalio[\\\\/](worker|core-bridge)/.test(f));
       console.log(JSON.stringify({ defineTool: typeof api.defineTool, outcomeUnknown: typeof api.outcomeUnknown,
         startRun: typeof api.startRun, loaded }));`,
    ]);
    assert.deepEqual(JSON.parse(stdout), {
      defineTool: 'function',
      outcomeUnknown: 'function',
      startRun: 'function',
      loaded: [],
    });
  });

  it('has no TypeScript runner or test server among its dependencies', async () => {
    const { stdout } = await node([
      '-e',
      'console.log(JSON.stringify(require("durable-agent/package.json")))',
    ]);
    const manifest = JSON.parse(stdout) as { dependencies: Record<string, string> };
    assert.equal(manifest.dependencies.tsx, undefined);
    assert.equal(manifest.dependencies['@temporalio/testing'], undefined);
  });

  it('runs a worker with tools from defineTool and outcomeUnknown, and a run through the client', async () => {
    const { stdout } = await node(['run-with-fake.js'], {
      TEMPORAL_ADDRESS: server.address,
      DURABLE_AGENT_STORE_DIR: path.join(dir, 'store'),
      DURABLE_AGENT_METRICS_ADDRESS: 'off',
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as AgentResult;
    assert.equal(result.text, 'I could not confirm the payment of INV-7.');
    assert.equal(result.status, 'needs_attention', 'the unsafe call in doubt is not reported as success');
  });

  it('runs a run inside your own workflow (runAgent) on your own worker (DurableAgentPlugin)', async () => {
    const { stdout } = await node(['own-worker.js'], {
      TEMPORAL_ADDRESS: server.address,
      DURABLE_AGENT_STORE_DIR: path.join(dir, 'store'),
    });
    assert.deepEqual(JSON.parse(stdout.trim().split('\n').at(-1) ?? ''), {
      ticket: 'T-1',
      status: 'completed',
      answer: 'INV-9 is 12.50 for ACME: a billing question, not a bug.',
      turns: 2,
    });
  });

  it('serves the durable-agent command from the compiled code', async () => {
    const { stdout } = await node([
      path.join(project, 'node_modules', 'durable-agent', 'bin', 'durable-agent.js'),
      '--help',
    ]);
    assert.match(stdout, /Commands:[\s\S]*\n {2}demo /);
  });
});
