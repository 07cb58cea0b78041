// Finds the official Temporal CLI (which runs the dev server), or builds the pinned version with Go, or
// falls back to the download that @temporalio/testing does. Order: TEMPORAL_CLI, `temporal` on PATH,
// the project cache, `go install`, the SDK download.
import { execFile, spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, mkdtemp, open, readFile, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type { EphemeralServerExecutable } from '@temporalio/testing';
import { TEMPORAL_CLI_VERSION } from '../shared/constants';

const execFileAsync = promisify(execFile);

/** Go package that `go install` builds; tags newer than the pinned one carry a `replace` directive it refuses. */
export const TEMPORAL_CLI_GO_PACKAGE = 'github.com/temporalio/cli/cmd/temporal';

const EXE = process.platform === 'win32' ? 'temporal.exe' : 'temporal';
// The SDK names its download `${prefix}-${sdkName}-${sdkVersion}`; we look for that prefix in our cache.
const SDK_DOWNLOAD_PREFIX = 'temporal-sdk-typescript-';
const LOCK_WAIT_MS = 30 * 60_000;

/** Where a usable CLI came from. */
export type TemporalCliSource = 'env' | 'path' | 'cache' | 'go-build' | 'sdk-download';

/**
 * A CLI binary to spawn, or `download`: no binary here and no Go, so callers let @temporalio/testing fetch
 * one. `TestWorkflowEnvironment.createLocal()` without an explicit `executable` does that on its own;
 * `startDevServer` calls {@link downloadTemporalCliWithSdk} to get a binary it can spawn and restart.
 */
export type TemporalCli = { kind: 'binary'; path: string; source: TemporalCliSource } | { kind: 'download' };

/** Options shared by the lookup and install functions; `env` exists so tests need not touch process.env. */
export interface TemporalCliOptions {
  log?: (line: string) => void;
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
}

/** Project cache root: DURABLE_AGENT_CACHE_DIR, else $XDG_CACHE_HOME/durable-agent, else ~/.cache/durable-agent. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DURABLE_AGENT_CACHE_DIR) return env.DURABLE_AGENT_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'durable-agent');
  return join(homedir(), '.cache', 'durable-agent');
}

/** Path of the pinned CLI build inside a cache root. */
export function cachedTemporalCliPath(root: string = cacheRoot()): string {
  return join(root, 'temporal-cli', TEMPORAL_CLI_VERSION, EXE);
}

/** The `executable` option for `TestWorkflowEnvironment.createLocal` that matches a lookup result. */
export function toEphemeralServerExecutable(cli: TemporalCli): EphemeralServerExecutable {
  return cli.kind === 'binary' ? { type: 'existing-path', path: cli.path } : { type: 'cached-download' };
}

/** Looks for an installed CLI without building or downloading; throws only when TEMPORAL_CLI is set but wrong. */
export async function findTemporalCli(options: TemporalCliOptions = {}): Promise<string | undefined> {
  return (await locate(options))?.path;
}

/** Finds a CLI, else builds the pinned version with Go, else reports that the SDK download must be used. */
export async function findOrInstallTemporalCli(options: TemporalCliOptions = {}): Promise<TemporalCli> {
  const found = await locate(options);
  if (found) return { kind: 'binary', ...found };
  const env = options.env ?? process.env;
  const go = await which('go', env);
  if (go) {
    const path = await buildWithGo(go, cachedTemporalCliPath(options.cacheDir ?? cacheRoot(env)), options);
    return { kind: 'binary', path, source: 'go-build' };
  }
  options.log?.(
    'No Temporal CLI and no Go found; falling back to the download done by @temporalio/testing. ' +
      'To avoid it, install Go (https://go.dev/dl) or set TEMPORAL_CLI to a temporal binary.',
  );
  return { kind: 'download' };
}

/** Lets @temporalio/testing download its default CLI into our cache, then returns that binary's path. */
export async function downloadTemporalCliWithSdk(options: TemporalCliOptions = {}): Promise<string> {
  const dir = sdkDownloadDir(options.cacheDir ?? cacheRoot(options.env ?? process.env));
  await mkdir(dir, { recursive: true });
  options.log?.(`Downloading the Temporal CLI with @temporalio/testing into ${dir} ...`);
  // Loaded lazily: it pulls in the native core bridge, which nothing else here needs.
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  try {
    // The SDK only downloads as part of starting a server, so start one and stop it at once.
    const env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'cached-download', downloadDir: dir } },
    });
    await env.teardown();
  } catch (err) {
    throw new Error(
      `Could not download the Temporal CLI (${errorText(err)}). ` +
        'Install Go (https://go.dev/dl) so the project can build it, or set TEMPORAL_CLI to a temporal binary.',
    );
  }
  const path = await findSdkDownload(dir);
  if (!path) throw new Error(`@temporalio/testing reported success but left no CLI binary in ${dir}.`);
  return path;
}

async function locate(
  options: TemporalCliOptions,
): Promise<{ path: string; source: TemporalCliSource } | undefined> {
  const env = options.env ?? process.env;
  const fromEnv = env.TEMPORAL_CLI;
  if (fromEnv) {
    if (!(await isExecutableFile(fromEnv))) {
      throw new Error(
        `TEMPORAL_CLI is set to ${fromEnv}, which is not an executable file. ` +
          'Point it at a temporal binary (chmod +x it if needed), or unset it to let the project find or build one.',
      );
    }
    return { path: fromEnv, source: 'env' };
  }
  const onPath = await which('temporal', env);
  if (onPath && (await runsVersion(onPath))) return { path: onPath, source: 'path' };
  const root = options.cacheDir ?? cacheRoot(env);
  const cached = cachedTemporalCliPath(root);
  if (await isExecutableFile(cached)) return { path: cached, source: 'cache' };
  const downloaded = await findSdkDownload(sdkDownloadDir(root));
  if (downloaded) return { path: downloaded, source: 'sdk-download' };
  return undefined;
}

function sdkDownloadDir(root: string): string {
  return join(root, 'temporal-cli', 'sdk-download');
}

async function findSdkDownload(dir: string): Promise<string | undefined> {
  const names = await readdir(dir).catch(() => [] as string[]);
  // `.downloading` files are the SDK's own in-progress marker: never a complete binary.
  for (const name of names.filter((n) => n.startsWith(SDK_DOWNLOAD_PREFIX) && !n.endsWith('.downloading'))) {
    const path = join(dir, name);
    if (await isExecutableFile(path)) return path;
  }
  return undefined;
}

async function buildWithGo(go: string, target: string, options: TemporalCliOptions): Promise<string> {
  const log = options.log ?? (() => {});
  await mkdir(dirname(target), { recursive: true });
  const lock = `${target}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  let announcedWait = false;
  for (;;) {
    if (await isExecutableFile(target)) return target;
    if (await tryLock(lock)) {
      try {
        // Another process may have finished between our check and taking the lock.
        if (!(await isExecutableFile(target))) await goInstall(go, target, options.env ?? process.env, log);
        return target;
      } finally {
        await unlink(lock).catch(() => {});
      }
    }
    if (await removeIfStale(lock)) continue;
    if (Date.now() > deadline) {
      throw new Error(
        `Waited ${LOCK_WAIT_MS / 60_000} min for another process to build the Temporal CLI (${lock}).`,
      );
    }
    if (!announcedWait) log(`Another process is building the Temporal CLI (lock ${lock}); waiting for it.`);
    announcedWait = true;
    await sleep(2000);
  }
}

async function goInstall(go: string, target: string, baseEnv: NodeJS.ProcessEnv, log: (l: string) => void) {
  // GOBIN is a fresh directory next to the target, so the final rename is on one file system and atomic:
  // a half-written binary is never at the target path.
  const gobin = await mkdtemp(join(dirname(target), '.build-'));
  const env: NodeJS.ProcessEnv = { ...baseEnv, GOBIN: gobin };
  // `go install` refuses GOBIN for cross-compiled binaries, and we need one for this machine anyway.
  delete env.GOOS;
  delete env.GOARCH;
  const pkg = `${TEMPORAL_CLI_GO_PACKAGE}@${TEMPORAL_CLI_VERSION}`;
  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go: go install ${pkg}`);
  log('The first build downloads modules and compiles ~1,200 packages: several minutes on a small machine.');
  const started = Date.now();
  try {
    const tail = await runGo(go, ['install', '-v', pkg], gobin, env, log);
    const built = join(gobin, EXE);
    if (!(await isExecutableFile(built)) || !(await runsVersion(built))) {
      throw new Error(`go install finished but ${built} does not run.\n${tail.join('\n')}`);
    }
    await rename(built, target);
    log(`Built ${target} in ${Math.round((Date.now() - started) / 1000)} s.`);
  } finally {
    await rm(gobin, { recursive: true, force: true });
  }
}

/** Runs go, passing its own lines through and summarising `-v` package lines; resolves with the last lines. */
function runGo(go: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, log: (l: string) => void) {
  return new Promise<string[]>((resolve, reject) => {
    const child = spawn(go, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    let packages = 0;
    const onLine = (line: string) => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      // `-v` prints one line per package (~1,200); everything else is news worth passing on.
      if (!/^[\w.-]+(\/[\w.@+-]+)*$/.test(line)) log(line);
      else if (++packages % 100 === 0) log(`go: compiled ${packages} packages ...`);
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) return resolve(tail);
      reject(
        new Error(
          `go install ${TEMPORAL_CLI_GO_PACKAGE}@${TEMPORAL_CLI_VERSION} failed (exit ${code}). ` +
            `Fix the Go error below, or set TEMPORAL_CLI to an existing temporal binary.\n${tail.join('\n')}`,
        ),
      );
    });
  });
}

async function tryLock(lock: string): Promise<boolean> {
  try {
    const file = await open(lock, 'wx');
    await file.writeFile(`${process.pid} ${hostname()}\n`);
    await file.close();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Removes a lock left by a process on this host that no longer exists (a killed test run). */
async function removeIfStale(lock: string): Promise<boolean> {
  const owner = await readFile(lock, 'utf8').catch(() => undefined);
  if (owner === undefined) return true; // released meanwhile: try again at once
  const [pid, host] = owner.trim().split(' ');
  if (host !== hostname() || !pid || isAlive(Number(pid))) return false;
  // Re-read right before unlinking so we do not delete a lock that someone else has just taken.
  if ((await readFile(lock, 'utf8').catch(() => undefined)) !== owner) return true;
  await unlink(lock).catch(() => {});
  return true;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function which(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const exe = process.platform === 'win32' ? `${name}.exe` : name;
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const path = join(dir, exe);
    if (await isExecutableFile(path)) return path;
  }
  return undefined;
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function runsVersion(path: string): Promise<boolean> {
  try {
    await execFileAsync(path, ['--version'], { timeout: 15_000 });
    return true;
  } catch {
    return false;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
