// Starts and kills worker processes for crash tests.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { workflowBundle } from './env';

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

/** Starts a worker process and resolves once it polls. */
export function startChildWorker(env: Record<string, string>): Promise<ChildWorker> {
  const script = path.join(__dirname, 'worker-process.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, ...env },
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

/** Polls until the condition holds, or fails after the timeout with the description. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
