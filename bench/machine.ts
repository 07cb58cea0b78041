// The machine a bench ran on, for the report's header.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** What BENCHMARKS.md says about the machine. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  temporalCli: string;
  commit: string;
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':').slice(1).join(':').trim();
  } catch {
    // Not Linux: fall back to what Node reports.
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

function run(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** Describes this machine; `cliPath` is the temporal binary the dev server ran. */
export function describeMachine(cliPath: string): Machine {
  const commit = run('git', ['rev-parse', '--short', 'HEAD']) ?? 'unknown';
  // Read-only: compares the work tree with HEAD without touching the index.
  const dirty = run('git', ['diff', '--quiet', 'HEAD', '--', 'src']) === undefined;
  // Builds by `go install` report 0.0.0-DEV; the project's cache keeps them under their version tag.
  const built = /v\d+\.\d+\.\d+/.exec(cliPath);
  return {
    cpu: cpuModel(),
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    temporalCli: `${run(cliPath, ['--version']) ?? 'unknown'}${built ? `, a \`go install\` build of ${built[0]}` : ''} (${cliPath.replace(os.homedir(), '~')})`,
    commit: dirty ? `${commit} with uncommitted changes in src/` : commit,
  };
}
