// Activity proxies with the options each call needs. Options are built per call (per tool, per turn) because
// each tool declares its own timeout and retry policy, and each call gets its own summary for the Web UI.
import { proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/workflow';
import type { Activities } from '../activities';
// Deep imports: src/shared's index also exports the zod schemas, which must stay out of the workflow bundle.
import { modelTaskQueue } from '../shared/constants';
import { RunErrorType, ToolErrorType } from '../shared/errors';
import { LEGACY_HEARTBEAT_TIMEOUT_MS } from '../shared/run-plan';
import type { ToolPolicy } from '../shared/run-plan';

// A worker that dies mid-call is noticed after the run's heartbeat timeout and the call is retried elsewhere
// (or, for unsafe tools, reconciled or reported as outcome unknown). It comes from the run's plan, recorded
// by pinRun, never from this deployment; plans pinned before it was a setting keep the old fixed 5 s.
const heartbeat = (pinnedMs: number | undefined): number => pinnedMs ?? LEGACY_HEARTBEAT_TIMEOUT_MS;

// Attempts at most for one model call: Temporal's retry policy is the only retry layer.
const MODEL_CALL_ATTEMPTS = 5;

// The wait before a model or tool call's second attempt. After a dead worker's heartbeat timeout it adds to the
// recovery time, so it is short; API errors that ask for more wait their retry-after (callClaude sets it).
const FIRST_RETRY_AFTER = '500 milliseconds';

const setup = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: [RunErrorType.ToolsUnavailable] },
  summary: 'pin tools and system prompt',
});

/** Pins the run's tools and the request parts that never change. */
export const pinRun = setup.pinRun;

/** Pins a conversation's plan, tools and system prompt, and its session limits. */
export const pinSession = setup.pinSession;

/** Appends a batch of tool calls to the run's ledger in the message store. */
export const storeToolCalls = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
  summary: 'store tool calls',
}).storeToolCalls;

/** Stores the run's last messages when it stops before another model call would have. */
export const appendTranscript = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
  summary: 'store the last messages',
}).appendTranscript;

/** The callClaude activity with the model-call retry policy and a summary for this turn. */
export function modelCall(summary: string, heartbeatTimeoutMs: number | undefined): Activities['callClaude'] {
  return proxyActivities<Activities>({
    // Model calls go to a task queue of their own, where the server holds every worker to one rate
    // (DURABLE_AGENT_MODEL_CALLS_PER_SECOND).
    taskQueue: modelTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: heartbeat(heartbeatTimeoutMs),
    retry: {
      maximumAttempts: MODEL_CALL_ATTEMPTS,
      initialInterval: FIRST_RETRY_AFTER,
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      // No list of non-retryable types: callClaude marks each failure, since the API's x-should-retry header
      // can make any status retryable or not.
    },
    summary,
  }).callClaude;
}

/**
 * The fitContext activity of a run's `nth` compaction. On the model calls' task queue, like callClaude: its count
 * and summary calls share the model's rate limit.
 */
export function fitContextCall(
  heartbeatTimeoutMs: number | undefined,
  nth: number,
): Activities['fitContext'] {
  return proxyActivities<Activities>({
    taskQueue: modelTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: heartbeat(heartbeatTimeoutMs),
    retry: {
      maximumAttempts: 5,
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      nonRetryableErrorTypes: [RunErrorType.ContextWindowExceeded],
    },
    summary: `fit the context (compaction ${nth})`,
  }).fitContext;
}

/**
 * The tool activity with this tool's own timeout and bounded retries (one attempt when unsafe); a local activity
 * when the run pinned the tool as one (`local`), so a deploy that flips `runAs` never changes an open run's calls.
 */
export function toolCall(
  spec: ToolPolicy,
  summary: string,
  heartbeatTimeoutMs: number | undefined,
): Activities['runTool'] {
  const retry: RetryPolicy = {
    maximumAttempts: spec.effect === 'unsafe' ? 1 : spec.maxAttempts,
    initialInterval: FIRST_RETRY_AFTER,
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    // No list of non-retryable types: runTool fails a call it must not retry (input that fails the schema, a
    // changed or missing tool) as non-retryable itself, and the list would be written into every call's event.
  };
  // No heartbeat timeout: a local activity cannot heartbeat; its worker's crash shows as a workflow task timeout.
  if (spec.local) {
    return proxyLocalActivities<Activities>({ startToCloseTimeout: spec.timeoutMs, retry, summary }).runTool;
  }
  return proxyActivities<Activities>({
    startToCloseTimeout: spec.timeoutMs,
    heartbeatTimeout: Math.min(spec.timeoutMs, heartbeat(heartbeatTimeoutMs)),
    retry,
    summary,
  }).runTool;
}

/** The reconcile activity of an unsafe tool: a read, so it is retried with backoff. */
export function reconcileCall(
  spec: ToolPolicy,
  summary: string,
  heartbeatTimeoutMs: number | undefined,
): Activities['reconcileTool'] {
  return proxyActivities<Activities>({
    startToCloseTimeout: spec.timeoutMs,
    heartbeatTimeout: Math.min(spec.timeoutMs, heartbeat(heartbeatTimeoutMs)),
    retry: {
      maximumAttempts: 5,
      initialInterval: '1 second',
      backoffCoefficient: 2,
      nonRetryableErrorTypes: [ToolErrorType.SchemaChanged],
    },
    summary,
  }).reconcileTool;
}
