// Runs the Go tool for a build the project makes itself (the Temporal CLI here, the test collector in
// scripts/otelcol.ts): its whole output goes to a log, `-v` package lines are counted for a progress line, and
// the last lines are kept for the error message when it fails.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** How one run of `go` ended: its exit code and its last lines of output. */
export interface GoRun {
  code: number | null;
  tail: string[];
}

/** What runGo needs besides the command line. */
export interface RunGoOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Receives every line of go's stdout and stderr. */
  out: NodeJS.WritableStream;
  /** Called once per package line that `-v` prints. */
  onPackage: () => void;
  /** How many of the last lines to keep. */
  tailLines: number;
}

/** Runs `go` with `args`; resolves when it exits (whatever the code), rejects when it cannot be started. */
export function runGo(go: string, args: string[], options: RunGoOptions): Promise<GoRun> {
  return new Promise((resolve, reject) => {
    const { cwd, env, out, onPackage, tailLines } = options;
    const child = spawn(go, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const onLine = (line: string) => {
      out.write(`${line}\n`);
      tail.push(line);
      if (tail.length > tailLines) tail.shift();
      // `-v` prints one line per package compiled (~1,200 for the Temporal CLI).
      if (/^[\w.-]+(\/[\w.@+-]+)*$/.test(line)) onPackage();
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, tail }));
  });
}
