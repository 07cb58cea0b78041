// Starts and kills worker processes for crash tests.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before } from 'node:test';
import { startTestEnv, workflowBundle } from './env';
import type { TestEnv } from './env';

/** A worker process. */
export interface ChildWorker {
  process: ChildProcess;
  /** When the process said it polls. */
  readyAt: number;
  /** SIGKILL, and wait for the process to be gone. */
  kill(): Promise<void>;
  /** SIGTERM, and wait. */
  stop(): Promise<void>;
}

/** One line of the tools' execution log. */
export interface ExecutionEntry {
  pid: number;
  at: number;
  event: 'start' | 'end' | 'reconcile';
  tool: string;
  toolUseId?: string;
  attempt?: number;
  idempotencyKey: string;
  input?: Record<string, unknown>;
  happened?: boolean;
}

/** Writes the workflow bundle to a file the child workers load. */
export async function writeBundle(dir: string): Promise<string> {
  const file = path.join(dir, 'workflow-bundle.js');
  writeFileSync(file, (await workflowBundle()).code);
  return file;
}

/** Reads the execution log. */
export function readExecutions(file: string): ExecutionEntry[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ExecutionEntry);
}

/**
 * Starts a worker process and resolves once it polls. `script` defaults to the durable-agent worker
 * (worker-process.ts); the bench also starts its peer's worker this way, from the peer's own folder (`cwd`).
 */
export function startChildWorker(
  env: Record<string, string>,
  options: { script?: string; cwd?: string } = {},
): Promise<ChildWorker> {
  const script = options.script ?? path.join(__dirname, 'worker-process.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, ...env },
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  process.once('exit', () => child.kill('SIGKILL'));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start in 60 s:\n${output}`)), 60_000);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker ready')) {
        clearTimeout(timer);
        resolve({
          process: child,
          readyAt: Date.now(),
          kill: () => stopWith('SIGKILL'),
          stop: () => stopWith('SIGTERM'),
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before it was ready:\n${output}`));
    });
  });
}

/** Whether a process with this id still exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls until the condition holds, or fails after the timeout with the description. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The shared set-up of tests that run workers as processes. */
export interface ChildWorkerSuite {
  readonly env: TestEnv;
  /** A temporary directory for the test's files (execution logs, ledgers). */
  readonly dir: string;
  /** Starts a worker process on the suite's task queue with this execution log; killed after the test. */
  worker(log: string, extra?: Record<string, string>): Promise<ChildWorker>;
}

/**
 * Registers the hooks of a suite of worker-process tests: a dev server, the fake Claude and a workflow bundle
 * before all tests, every worker killed after each test (none may take the next test's tasks), the server
 * stopped at the end.
 */
export function childWorkerSuite(name: string): ChildWorkerSuite {
  let env: TestEnv | undefined;
  let dir = '';
  let bundleFile = '';
  const workers: ChildWorker[] = [];
  before(async () => {
    env = await startTestEnv();
    dir = await mkdtemp(path.join(os.tmpdir(), `${name}-`));
    bundleFile = await writeBundle(dir);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill()));
  });
  after(async () => {
    await env?.close();
  });
  return {
    get env() {
      if (!env) throw new Error('the suite has not started yet');
      return env;
    },
    get dir() {
      return dir;
    },
    async worker(log, extra = {}) {
      const running = env as TestEnv;
      const w = await startChildWorker({
        TEMPORAL_ADDRESS: running.server.address,
        DURABLE_AGENT_TASK_QUEUE: running.taskQueue,
        ANTHROPIC_BASE_URL: running.fake.url,
        WORKFLOW_BUNDLE: bundleFile,
        EXECUTION_LOG: log,
        DURABLE_AGENT_TOOLS: '',
        ...extra,
      });
      workers.push(w);
      return w;
    },
  };
}
