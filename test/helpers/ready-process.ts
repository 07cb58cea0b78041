// Starts a server process for a test and waits for the line it prints once it is ready.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/** A started process and a promise that settles when it exits. */
export interface ReadyProcess {
  child: ChildProcess;
  exited: Promise<void>;
}

/**
 * Spawns `command` and resolves once its stdout or stderr contains `readyLine`; rejects (with its output) if it
 * exits first or is not ready within `timeoutMs`. The process is killed when this test process exits.
 */
export async function spawnUntilReady(
  name: string,
  command: string,
  args: string[],
  readyLine: string,
  timeoutMs: number,
): Promise<ReadyProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  process.once('exit', () => child.kill('SIGKILL'));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start in ${timeoutMs / 1000} s:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(readyLine)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${output}`));
    });
  });
  return { child, exited };
}
