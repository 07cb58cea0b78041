// The bench's peer, Temporal's own AI SDK integration (bench/peer/), seen from the bench: installed on demand
// into its own node_modules (it pins @temporalio/* 1.23.0, the project uses 1.24.0) and run as worker
// processes, never loaded into the bench process, so the two SDK versions never share a process.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startChildWorker } from '../test/helpers/child-worker';
import type { ChildWorker } from '../test/helpers/child-worker';
import type { BenchEnv } from './env';
import { MAX_TOKENS, MODEL } from './env';
import { PEER_WORKFLOW } from './peer/src/contract';
import type { PeerInput, PeerResult } from './peer/src/contract';
import { promptFor } from './script';

/** The peer's own npm project. */
const PEER_DIR = path.join(__dirname, 'peer');

/** Installs the peer's locked dependencies when bench/peer/node_modules is missing. */
export function ensurePeerInstalled(log: (line: string) => void): void {
  if (existsSync(path.join(PEER_DIR, 'node_modules'))) return;
  log('installing the peer (npm ci --prefix bench/peer: @temporalio/ai-sdk, ai, @ai-sdk/anthropic); once');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--prefix', PEER_DIR, '--no-audit', '--no-fund'], {
    stdio: 'inherit',
  });
  if (result.status !== 0)
    throw new Error(
      `npm ci --prefix bench/peer failed (${result.error?.message ?? `exit ${result.status}`}); ` +
        'the peer scenario needs the npm registry once, to install bench/peer/package-lock.json',
    );
}

/** A peer worker process on `taskQueue`, logging tool attempts to `executionLog` (as durable workers do). */
export function startPeerWorker(
  env: BenchEnv,
  taskQueue: string,
  executionLog: string,
): Promise<ChildWorker> {
  return startChildWorker(
    {
      TEMPORAL_ADDRESS: env.server.address,
      PEER_TASK_QUEUE: taskQueue,
      ANTHROPIC_BASE_URL: env.fake.url,
      // Bundled once by the first peer worker (through the plugin), then read by the others.
      PEER_BUNDLE: path.join(env.dir, 'peer-workflow-bundle.js'),
      EXECUTION_LOG: executionLog,
    },
    { script: path.join(PEER_DIR, 'src', 'worker.ts'), cwd: PEER_DIR },
  );
}

/** Starts a peer run of the job with this marker; `steps` tool steps, so steps + 1 model calls. */
export function startPeerRun(
  env: BenchEnv,
  taskQueue: string,
  mark: string,
  steps: number,
  workflowId: string,
) {
  const input: PeerInput = {
    prompt: promptFor(mark),
    model: MODEL,
    maxTokens: MAX_TOKENS,
    maxSteps: steps + 5,
  };
  return env.client.workflow.start(PEER_WORKFLOW, { taskQueue, workflowId, args: [input] });
}

/** Runs a peer job to its end and checks that it did every step. */
export async function runPeer(
  env: BenchEnv,
  taskQueue: string,
  mark: string,
  steps: number,
  workflowId: string,
): Promise<PeerResult> {
  const handle = await startPeerRun(env, taskQueue, mark, steps, workflowId);
  const result = (await handle.result()) as PeerResult;
  if (result.toolCalls !== steps)
    throw new Error(
      `peer run ${workflowId} made ${result.toolCalls} tool calls, not ${steps}: "${result.text}"`,
    );
  return result;
}
