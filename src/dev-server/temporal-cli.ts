// Finds the official Temporal CLI (which runs the dev server), else downloads it the way @temporalio/testing
// does (seconds on a machine with internet), else builds the pinned version with Go (minutes). Order:
// TEMPORAL_CLI, `temporal` on PATH, the project cache, the SDK download, `go install`.
import { execFile, spawn } from 'node:child_process';
import { constants as fsConstants, createWriteStream } from 'node:fs';
import { access, mkdir, mkdtemp, open, readFile, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { cacheRoot } from '../cache-dir';
import { resolveSettings } from '../settings';
import { TEMPORAL_CLI_VERSION } from '../shared/constants';
import { runGo } from './run-go';
import type { GoRun } from './run-go';

const execFileAsync = promisify(execFile);

/** Go package that `go install` builds; tags newer than the pinned one carry a `replace` directive it refuses. */
export const TEMPORAL_CLI_GO_PACKAGE = 'github.com/temporalio/cli/cmd/temporal';

/** How long the SDK download may take before the Go build is tried instead (DURABLE_AGENT_CLI_DOWNLOAD_TIMEOUT_SECONDS). */
const DEFAULT_DOWNLOAD_TIMEOUT_MS = 60_000;

const EXE = process.platform === 'win32' ? 'temporal.exe' : 'temporal';
// The SDK names its download `${prefix}-${sdkName}-${sdkVersion}`; we look for that prefix in our cache.
const SDK_DOWNLOAD_PREFIX = 'temporal-sdk-typescript-';
const LOCK_WAIT_MS = 30 * 60_000;
const PROGRESS_EVERY_MS = 1000;

/** Where a usable CLI came from. */
export type TemporalCliSource = 'env' | 'path' | 'cache' | 'go-build' | 'sdk-download';

/** A CLI binary to spawn. */
export interface TemporalCli {
  kind: 'binary';
  path: string;
  source: TemporalCliSource;
}

/** Options shared by the lookup and install functions; `env` exists so tests need not touch process.env. */
export interface TemporalCliOptions {
  /** Lines worth keeping: what is being tried, what failed, where the log is. */
  log?: (line: string) => void;
  /** One status line, called every second while the Go build runs: callers redraw it in place. */
  progress?: (line: string) => void;
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Replaces the SDK download (tests); resolves with the binary's path or rejects with the reason. */
  download?: (dir: string, timeoutMs: number) => Promise<string>;
}

export { cacheRoot };

/** Path of the pinned CLI build inside a cache root. */
export function cachedTemporalCliPath(root: string = cacheRoot()): string {
  return join(root, 'temporal-cli', TEMPORAL_CLI_VERSION, EXE);
}

/** Where the Go build writes its whole output. */
export function goBuildLogPath(root: string = cacheRoot()): string {
  return join(root, 'temporal-cli', 'go-build.log');
}

/** The `executable` option of @temporalio/testing's `TestWorkflowEnvironment.createLocal` for a binary. */
interface ExistingPathExecutable {
  type: 'existing-path';
  path: string;
}

/** The `executable` option for `TestWorkflowEnvironment.createLocal` that matches a lookup result. */
export function toEphemeralServerExecutable(cli: TemporalCli): ExistingPathExecutable {
  return { type: 'existing-path', path: cli.path };
}

/** Looks for an installed CLI without building or downloading; throws only when TEMPORAL_CLI is set but wrong. */
export async function findTemporalCli(options: TemporalCliOptions = {}): Promise<string | undefined> {
  return (await locate(options))?.path;
}

/** Finds a CLI, else downloads it with the SDK (short timeout), else builds the pinned version with Go. */
export async function findOrInstallTemporalCli(options: TemporalCliOptions = {}): Promise<TemporalCli> {
  const found = await locate(options);
  if (found) return { kind: 'binary', ...found };
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const root = options.cacheDir ?? cacheRoot(env);
  const timeoutMs = downloadTimeoutMs(env);
  const dir = sdkDownloadDir(root);
  await mkdir(dir, { recursive: true });
  log(`Downloading the Temporal CLI (at most ${Math.round(timeoutMs / 1000)} s)...`);
  const started = Date.now();
  let downloadError: string;
  try {
    const path = await (options.download ?? downloadInChild)(dir, timeoutMs);
    log(`Downloaded the Temporal CLI in ${seconds(started)} s: ${path}`);
    return { kind: 'binary', path, source: 'sdk-download' };
  } catch (err) {
    downloadError = errorText(err);
  }
  const go = await which('go', env);
  if (!go) {
    throw new Error(
      `No Temporal CLI here: the download failed (${downloadError}) and Go is not installed to build one. ` +
        'Install Go (https://go.dev/dl) so the project can build it, or set TEMPORAL_CLI to a temporal binary.',
    );
  }
  log(`The download failed (${downloadError}); building the Temporal CLI with Go instead.`);
  const path = await buildWithGo(go, cachedTemporalCliPath(root), goBuildLogPath(root), options);
  return { kind: 'binary', path, source: 'go-build' };
}

/** Downloads the SDK's default Temporal CLI into our cache (no time limit) and returns the binary's path. */
export async function downloadTemporalCliWithSdk(options: TemporalCliOptions = {}): Promise<string> {
  const dir = sdkDownloadDir(options.cacheDir ?? cacheRoot(options.env ?? process.env));
  await mkdir(dir, { recursive: true });
  options.log?.(`Downloading the Temporal CLI with @temporalio/testing into ${dir} ...`);
  return (options.download ?? downloadInChild)(dir, Infinity);
}

// The SDK only downloads as part of starting a server, inside its native runtime, where a hung download cannot
// be cancelled. A child process can: it is killed at the deadline, and the build with Go goes on.
const DOWNLOAD_SCRIPT = `
const { TestWorkflowEnvironment } = require(process.argv[1]);
TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'cached-download', downloadDir: process.argv[2] } } })
  .then((env) => env.teardown())
  .then(() => process.exit(0), (err) => { process.stderr.write(String(err && err.message || err)); process.exit(1); });
`;

async function downloadInChild(dir: string, timeoutMs: number): Promise<string> {
  let sdk: string;
  try {
    sdk = require.resolve('@temporalio/testing');
  } catch {
    // A development dependency: an installed package has no downloader, only the Go build.
    throw new Error('@temporalio/testing, which downloads it, is not installed');
  }
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', DOWNLOAD_SCRIPT, sdk, dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    const timer = Number.isFinite(timeoutMs)
      ? setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`no download within ${Math.round(timeoutMs / 1000)} s`));
        }, timeoutMs)
      : undefined;
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(shortReason(stderr) || `exit ${code}`));
    });
  });
  const path = await findSdkDownload(dir);
  if (!path) throw new Error(`the SDK reported success but left no CLI binary in ${dir}`);
  return path;
}

/** The root cause of a failed download, without the URL repeated three times. */
function shortReason(stderr: string): string {
  const text = stderr.trim();
  const last = text.split(': ').pop() ?? text;
  return last.length > 200 ? `${last.slice(0, 200)}…` : last;
}

function downloadTimeoutMs(env: NodeJS.ProcessEnv): number {
  const { DURABLE_AGENT_CLI_DOWNLOAD_TIMEOUT_SECONDS: ms } = resolveSettings(env, [
    'DURABLE_AGENT_CLI_DOWNLOAD_TIMEOUT_SECONDS',
  ]);
  return ms ?? DEFAULT_DOWNLOAD_TIMEOUT_MS;
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

async function buildWithGo(
  go: string,
  target: string,
  logFile: string,
  options: TemporalCliOptions,
): Promise<string> {
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
        if (!(await isExecutableFile(target))) await goInstall(go, target, logFile, options);
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

async function goInstall(go: string, target: string, logFile: string, options: TemporalCliOptions) {
  const log = options.log ?? (() => {});
  // GOBIN is a fresh directory next to the target, so the final rename is on one file system and atomic:
  // a half-written binary is never at the target path.
  const gobin = await mkdtemp(join(dirname(target), '.build-'));
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env), GOBIN: gobin };
  // `go install` refuses GOBIN for cross-compiled binaries, and we need one for this machine anyway.
  delete env.GOOS;
  delete env.GOARCH;
  const pkg = `${TEMPORAL_CLI_GO_PACKAGE}@${TEMPORAL_CLI_VERSION}`;
  log(
    `Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go (go install ${pkg}): several minutes the first time.`,
  );
  log(`Go's output goes to ${logFile}`);
  const started = Date.now();
  let packages = 0;
  const report = () =>
    options.progress?.(`Building the Temporal CLI: ${seconds(started)} s, ${packages} packages compiled`);
  const ticker = setInterval(report, PROGRESS_EVERY_MS);
  try {
    const tail = await runGoLogged(go, ['install', '-v', pkg], gobin, env, logFile, () => packages++);
    const built = join(gobin, EXE);
    if (!(await isExecutableFile(built)) || !(await runsVersion(built))) {
      throw new Error(`go install finished but ${built} does not run.\n${tail.join('\n')}`);
    }
    await rename(built, target);
    report();
    log(`Built ${target} in ${seconds(started)} s.`);
  } finally {
    clearInterval(ticker);
    await rm(gobin, { recursive: true, force: true });
  }
}

/** Runs go with its whole output in `logFile`; counts `-v` package lines; resolves with the last lines. */
async function runGoLogged(
  go: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  logFile: string,
  onPackage: () => void,
): Promise<string[]> {
  const file = createWriteStream(logFile, { flags: 'w' });
  let run: GoRun;
  try {
    run = await runGo(go, args, { cwd, env, out: file, onPackage, tailLines: 40 });
  } finally {
    // The error below points at the log: it is complete before anyone reads it.
    await new Promise<void>((resolve) => file.end(resolve));
  }
  if (run.code === 0) return run.tail;
  throw new Error(
    `go install ${TEMPORAL_CLI_GO_PACKAGE}@${TEMPORAL_CLI_VERSION} failed (exit ${run.code}; whole output in ${logFile}). ` +
      `Fix the Go error below, or set TEMPORAL_CLI to an existing temporal binary.\n${run.tail.slice(-15).join('\n')}`,
  );
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

function seconds(since: number): number {
  return Math.round((Date.now() - since) / 1000);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
