// Runs a real Temporal dev server (`temporal server start-dev`) as a child process, for tests, the demo
// and local development. Unlike TestWorkflowEnvironment it can be restarted on the same ports and database
// file, which the "server restart" durability test needs.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { findOrInstallTemporalCli } from './temporal-cli';

/** How to start a dev server; every port left out is a free one picked at start. */
export interface DevServerOptions {
  /** Path of the `temporal` binary; found or built with findOrInstallTemporalCli when left out. */
  cli?: string;
  port?: number;
  /** Serve the Web UI (default true); false passes `--headless`. */
  ui?: boolean;
  uiPort?: number;
  /** SQLite file that keeps runs across restarts; in-memory when left out. */
  dbFile?: string;
  /** Append the server's output here; otherwise only its last lines are kept, for error messages. */
  logFile?: string;
  namespace?: string;
  /** How long to wait for the frontend to answer (default 60 s). */
  readyTimeoutMs?: number;
  /** Progress lines (a first-time CLI build takes minutes). */
  log?: (line: string) => void;
  /** A status line redrawn every second while the CLI is built with Go. */
  progress?: (line: string) => void;
}

/** A running dev server; `restart` keeps its address, UI port and database file. */
export interface DevServer {
  readonly address: string;
  readonly uiUrl?: string;
  readonly namespace: string;
  /** The current child process; a new one after `restart`. */
  readonly process: ChildProcess;
  readonly dbFile?: string;
  /** SIGTERM, then SIGKILL if the server has not exited after a few seconds. */
  stop(): Promise<void>;
  /** Stops the server and starts it again with the same arguments. */
  restart(): Promise<void>;
}

const IP = '127.0.0.1';

/**
 * Dynamic config of every dev server the project starts. The dev server has one history shard, and the
 * shard's transfer queue is loaded at most `transferProcessorMaxPollRPS` times a second (default 20); each
 * activity round trip needs two loads, so by default every activity waits about 100 ms. 1000 lifts that
 * pace: a no-op activity round trip drops to about 25 ms.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, string>> = {
  'history.transferProcessorMaxPollRPS': '1000',
};
const STOP_GRACE_MS = 5000;
const TAIL_LINES = 40;
const HEAD_LINES = 10;
const START_ATTEMPTS = 3;

/** The server process ended before it was ready (rather than never answering). */
class ServerExitedError extends Error {}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port as number;
}

/** Starts `temporal server start-dev` and resolves once its frontend answers for the namespace. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const cli = options.cli ?? (await resolveCli(options));
  const namespace = options.namespace ?? 'default';
  const ui = options.ui ?? true;
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  // Ports are picked free and handed to the server, which binds them a moment later: another process may take
  // one in between (tests start servers side by side). A server that exits while starting is tried again on
  // other ports, unless the caller chose the port.
  const attempts = options.port === undefined ? START_ATTEMPTS : 1;
  let started: { child: Launched; args: string[]; address: string; uiPort: number } | undefined;
  for (let attempt = 1; !started; attempt++) {
    const [free1, free2, free3, free4] = await freePorts(4);
    const port = options.port ?? (free1 as number);
    const uiPort = options.uiPort ?? (free2 as number);
    const address = `${IP}:${port}`;
    const args = ['server', 'start-dev', '--ip', IP, '--port', String(port)];
    args.push(...(ui ? ['--ui-port', String(uiPort)] : ['--headless']));
    args.push('--http-port', String(free3), '--metrics-port', String(free4));
    if (options.dbFile) args.push('--db-filename', options.dbFile);
    args.push('--namespace', namespace, '--log-level', 'warn');
    for (const [key, value] of Object.entries(DEV_SERVER_DYNAMIC_CONFIG)) {
      args.push('--dynamic-config-value', `${key}=${value}`);
    }
    for (const { name, cliType } of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${name}=${cliType}`);
    try {
      started = {
        child: await launch(cli, args, address, namespace, readyTimeoutMs, options.logFile),
        args,
        address,
        uiPort,
      };
    } catch (err) {
      if (!(err instanceof ServerExitedError) || attempt >= attempts) throw err;
    }
  }
  const { args, address, uiPort } = started;
  let child = started.child;
  const server: DevServer = {
    address,
    namespace,
    get process() {
      return child.process;
    },
    ...(ui ? { uiUrl: `http://${IP}:${uiPort}` } : {}),
    ...(options.dbFile ? { dbFile: options.dbFile } : {}),
    stop: () => child.stop(),
    restart: async () => {
      await child.stop();
      child = await launch(cli, args, address, namespace, readyTimeoutMs, options.logFile);
    },
  };
  return server;
}

async function resolveCli(options: DevServerOptions): Promise<string> {
  const { log, progress } = options;
  return (await findOrInstallTemporalCli({ ...(log ? { log } : {}), ...(progress ? { progress } : {}) }))
    .path;
}

interface Launched {
  process: ChildProcess;
  stop(): Promise<void>;
}

async function launch(
  cli: string,
  args: string[],
  address: string,
  namespace: string,
  readyTimeoutMs: number,
  logFile: string | undefined,
): Promise<Launched> {
  // Its own process group: Ctrl-C in a terminal signals the whole foreground group, and the server must not
  // die before the workers connected to it have drained. Whoever started it stops it (or `exit` kills it).
  const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  track(child);
  const head: string[] = [];
  const tail: string[] = [];
  let lines = 0;
  const file = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines += 1;
      // A Go panic says what went wrong in its first lines and fills the rest with stacks: keep both ends.
      if (head.length < HEAD_LINES) head.push(line);
      else {
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
      }
      file?.write(`${line}\n`);
    });
  }
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.on('error', (err) => {
      spawnError = err;
      resolve();
    });
    child.on('exit', () => resolve());
  });
  void exited.then(() => {
    untrack(child);
    file?.end();
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && !spawnError) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    await exited;
  };

  try {
    await waitUntilReady(address, namespace, readyTimeoutMs, () => {
      if (spawnError) return `could not run ${cli}: ${spawnError.message}`;
      if (child.exitCode !== null || child.signalCode !== null) {
        return `temporal exited (${child.exitCode ?? child.signalCode})`;
      }
      return undefined;
    });
  } catch (err) {
    await stop();
    const skipped = lines - head.length - tail.length;
    const shown = [...head, ...(skipped > 0 ? [`… (${skipped} lines)`] : []), ...tail];
    const output = shown.length ? `\nServer output:\n${shown.join('\n')}` : '';
    const exited = (child.exitCode !== null || child.signalCode !== null) && spawnError === undefined;
    const message = `Temporal dev server on ${address} did not start: ${(err as Error).message}${output}`;
    throw exited ? new ServerExitedError(message) : new Error(message);
  }
  return { process: child, stop };
}

/** Polls the frontend until describeNamespace answers; `dead` says why to give up early. */
async function waitUntilReady(
  address: string,
  namespace: string,
  timeoutMs: number,
  dead: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt made';
  while (Date.now() < deadline) {
    const reason = dead();
    if (reason) throw new Error(reason);
    // Lazy + close in `finally`: a failed Connection.connect() leaves its gRPC channel open, which
    // keeps retrying and holds the process alive.
    const connection = Connection.lazy({ address, connectTimeout: 1000 });
    try {
      await connection.ensureConnected();
      // The dev server registers the namespace while starting; answering for it means it is usable.
      await connection.withDeadline(Date.now() + 2000, () =>
        connection.workflowService.describeNamespace({ namespace }),
      );
      return;
    } catch (err) {
      lastError = (err as Error).message;
    } finally {
      await connection.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no answer within ${timeoutMs / 1000} s (last error: ${lastError})`);
}

async function freePorts(count: number): Promise<number[]> {
  // Hold every listener open until all ports are known, so the ports differ from each other.
  const servers = await Promise.all(
    Array.from({ length: count }, () => {
      const server = createServer();
      return new Promise<typeof server>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, IP, () => resolve(server));
      });
    }),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

// Children still running when this process ends are killed, so a crashed test run leaves no server
// holding its ports. `exit` does not fire on a fatal signal, hence the signal handlers.
const live = new Set<ChildProcess>();
let hooked = false;

function track(child: ChildProcess): void {
  live.add(child);
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      // A command that handles the signal itself stops its servers in order (workers first); `exit` still
      // kills whatever is left. Otherwise keep the default behaviour: kill the children, die of the signal.
      if (process.listenerCount(signal) > 1) return;
      killAll();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

function untrack(child: ChildProcess): void {
  live.delete(child);
}

function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
}
