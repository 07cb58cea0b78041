// Integration tests: Ctrl-C on the commands that start things, and two workers with default settings on one
// machine. The commands run as real child processes in their own process group, and Ctrl-C is what a
// terminal sends: SIGINT to every process of that group.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { processAlive, waitFor } from '../helpers/child-worker';
import { startTestEnv } from '../helpers/env';
import type { TestEnv } from '../helpers/env';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'durable-agent.js');
// What a newcomer must not see after Ctrl-C or at start: warnings, errors, the SDK's shutdown noise.
const NOISE = /\bWARN\b|"level":"warn"|\bERROR\b|"level":"error"|transport error|Not running|Current state/i;

interface Command {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function startCommand(args: string[], env: NodeJS.ProcessEnv): Command {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

interface Process {
  pid: number;
  command: string;
}

/** Every process below `pid`, from the parent links that ps reports. */
function descendants(pid: number): Process[] {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => {
      const [, child, parent, command] = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line) ?? [];
      return { pid: Number(child), ppid: Number(parent), command: command ?? '' };
    });
  const found: Process[] = [];
  const visit = (parent: number) => {
    for (const row of table) {
      if (row.ppid !== parent) continue;
      found.push({ pid: row.pid, command: row.command });
      visit(row.pid);
    }
  };
  visit(pid);
  return found;
}

const isDevServer = (p: Process) => p.command.includes('server start-dev');

/** Ctrl-C as a terminal sends it: SIGINT to the command's whole process group. */
function ctrlC(command: Command): void {
  process.kill(-(command.child.pid as number), 'SIGINT');
}

/** The test's environment without what would change the commands' defaults, plus `extra`. */
function commandEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['ANTHROPIC_API_KEY', 'CI', 'DURABLE_AGENT_METRICS_ADDRESS']) delete env[name];
  return { ...env, ...extra };
}

/** Waits until the command prints `text`; fails at once, with its output, if it exits first. */
async function waitForOutput(command: Command, text: string, timeoutMs = 60_000): Promise<void> {
  let exit: number | null | undefined;
  void command.exited.then((code) => (exit = code));
  await waitFor(
    `"${text}"`,
    () => {
      if (exit !== undefined)
        throw new Error(`exited ${exit} before printing "${text}":\n${command.output()}`);
      return command.output().includes(text);
    },
    timeoutMs,
  );
}

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'clean-stops-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Ctrl-C on durable-agent demo', () => {
  it('after the run: stops the worker, the fake Claude and the dev server, exits 0, prints no warning', async () => {
    const demo = startCommand(['demo', '--wait', '--db', path.join(dir, 'after.db')], commandEnv({}));
    await waitForOutput(demo, 'Press Ctrl-C to stop', 120_000);
    const children = descendants(demo.child.pid as number);
    assert.ok(children.some(isDevServer), 'the demo runs a dev server as a child process');
    ctrlC(demo);
    assert.equal(await demo.exited, 0);
    assert.match(demo.output(), /status {6}completed/);
    assert.doesNotMatch(demo.output(), NOISE);
    assert.deepEqual(
      children.filter((p) => processAlive(p.pid)),
      [],
      'no child process left running',
    );
  });

  it('before the run ends: stops what it started and exits 130 without a stack trace', async () => {
    const demo = startCommand(['demo', '--wait', '--db', path.join(dir, 'early.db')], commandEnv({}));
    await waitForOutput(demo, 'Starting a Temporal dev server');
    const children = () => descendants(demo.child.pid as number);
    await waitFor('the dev server process', () => children().some(isDevServer));
    const started = children();
    ctrlC(demo);
    assert.equal(await demo.exited, 130);
    assert.doesNotMatch(demo.output(), NOISE);
    assert.doesNotMatch(demo.output(), /\n\s+at /, 'no stack trace');
    assert.deepEqual(
      started.filter((p) => processAlive(p.pid)),
      [],
      'no child process left running',
    );
  });
});

describe('workers on one machine', () => {
  let env: TestEnv;
  const workers: Command[] = [];
  before(async () => {
    env = await startTestEnv();
  });
  after(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await env?.close();
  });

  // Default settings: no DURABLE_AGENT_METRICS_ADDRESS, so both want the same metrics port.
  const startWorker = () => {
    const worker = startCommand(
      ['worker'],
      commandEnv({
        TEMPORAL_ADDRESS: env.server.address,
        DURABLE_AGENT_TASK_QUEUE: env.taskQueue,
        ANTHROPIC_API_KEY: 'test-key',
        ANTHROPIC_BASE_URL: env.fake.url,
        DURABLE_AGENT_STORE_DIR: path.join(dir, 'store'),
      }),
    );
    workers.push(worker);
    return worker;
  };
  const finishedBy = (worker: Command, workflowId: string) =>
    worker.output().includes('"msg":"run finished"') && worker.output().includes(workflowId);
  const metricsUrl = (worker: Command) => {
    const match = /"metrics":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"/.exec(worker.output());
    return match?.[1];
  };

  it('two workers with default settings both start, both serve metrics and both run work; Ctrl-C stops each quietly', async () => {
    env.fake.script([{ content: 'From the first worker.' }], { match: 'first worker' });
    env.fake.script([{ content: 'From the second worker.' }], { match: 'second worker' });

    const first = startWorker();
    await waitForOutput(first, 'durable-agent worker polling');
    const one = await env.start({ prompt: 'Answer from the first worker.' });
    assert.equal((await one.result()).text, 'From the first worker.');
    await waitFor('the first worker to log the run', () => finishedBy(first, one.workflowId));

    const second = startWorker();
    await waitForOutput(second, 'durable-agent worker polling');
    const [firstMetrics, secondMetrics] = [metricsUrl(first), metricsUrl(second)];
    assert.ok(firstMetrics && secondMetrics, 'both log their metrics endpoint');
    assert.notEqual(firstMetrics, secondMetrics, 'the second takes the next free port');
    for (const url of [firstMetrics, secondMetrics]) {
      assert.match(await (await fetch(url)).text(), /temporal_/, `${url} serves metrics`);
    }

    // With the first worker stopped by Ctrl-C, the next run can only go to the second.
    ctrlC(first);
    assert.equal(await first.exited, 0);
    const two = await env.start({ prompt: 'Answer from the second worker.' });
    assert.equal((await two.result()).text, 'From the second worker.');
    await waitFor('the second worker to log the run', () => finishedBy(second, two.workflowId));

    ctrlC(second);
    assert.equal(await second.exited, 0);
    for (const worker of [first, second]) assert.doesNotMatch(worker.output(), NOISE);
  });
});
