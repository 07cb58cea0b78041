import { randomUUID } from 'node:crypto';
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { DataConverter } from '@temporalio/common';
import { dataConverterFromEnv } from './codec/keys';
import { configFromEnv } from './config';
import type { AgentConfig } from './config';
import { clientConnectionOptions, describeConnection, temporalConnectionFromEnv } from './connection';
import { RunErrorType, statusQuery, WORKFLOW_TYPE } from './shared';
import type {
  AgentInput,
  AgentResult,
  MessageParam,
  ModelCallWait,
  RunProgress,
  ToolCallRecord,
  TranscriptRef,
} from './shared';
import { parseOutput, toAgentInput } from './output-schema';
import type { TypedResult, TypedRunInput } from './output-schema';
import { defaultMessageStore, readToolCalls, Transcripts } from './store';
import type { z } from 'zod';
import { tracingClientInterceptors, tracingFromEnv } from './tracing';
import type { MessageStore } from './store';

const MAX_INPUT_BYTES = 1.5 * 1024 * 1024;

/** A handle on one agent run. */
export type RunHandle = WorkflowHandle<(input: AgentInput) => Promise<AgentResult>>;

/** How a start ended: a new run, or the run that already had this ID (running or finished). */
export interface StartedRun {
  handle: RunHandle;
  workflowId: string;
  /** `started`: a new run; `running`: joined the run in flight; `finished`: the ID's run already ended. */
  state: 'started' | 'running' | 'finished';
}

/** Options of `startRun`. */
export interface StartRunOptions {
  workflowId?: string;
  taskQueue?: string;
  /** `join` (default): an ID that is taken joins that run, finished or not. `new`: a finished run's ID starts a new run. */
  onExistingId?: 'join' | 'new';
}

/** A run ended in failure; `type` is the stable error type (InvalidAgentInput, ClaudeBadRequest, MaxTokensReached…). */
export class RunFailedError extends Error {
  override name = 'RunFailedError';
  constructor(
    message: string,
    readonly type: string,
    readonly workflowId: string,
  ) {
    super(message);
  }
}

/** Options of `connectClient` beyond the address and namespace. */
export interface ConnectClientOptions {
  /** Payload codecs; by default `dataConverterFromEnv()` (compression and encryption when a key is set). */
  dataConverter?: DataConverter;
  /** Start each run's trace here (OTEL_* variables, as for the worker); false: never trace this client. */
  tracing?: boolean;
}

/**
 * Connects a client to the server of the environment (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
 * TEMPORAL_TLS_*, TEMPORAL_PROFILE; see src/connection.ts) unless an address or namespace is given; says what to do
 * when no server answers.
 */
export async function connectClient(
  config: Partial<Pick<AgentConfig, 'address' | 'namespace'>> = {},
  options: ConnectClientOptions = {},
): Promise<Client> {
  const settings = temporalConnectionFromEnv(config);
  const dataConverter = options.dataConverter ?? dataConverterFromEnv();
  try {
    const connection = await Connection.connect({
      ...clientConnectionOptions(settings),
      connectTimeout: '5 seconds',
    });
    // A traced client opens each run's trace: its start span is the root of the run's spans.
    const traced = options.tracing !== false && tracingFromEnv() !== undefined;
    return new Client({
      connection,
      namespace: settings.namespace,
      ...(dataConverter ? { dataConverter } : {}),
      ...(traced ? { interceptors: { workflow: tracingClientInterceptors() } } : {}),
    });
  } catch (err) {
    throw new Error(
      `Cannot reach the Temporal server at ${describeConnection(settings)} (${(err as Error).message}). Start one with \`npx durable-agent dev\`, or set TEMPORAL_ADDRESS.`,
    );
  }
}

/**
 * Starts a run; when the workflow ID is taken, joins that run instead of starting a second one. An input with a
 * zod `outputSchema` is sent with it as `output.schema` (JSON Schema).
 */
export async function startRun(
  client: Client,
  typedInput: AgentInput | TypedRunInput<z.ZodType>,
  options: StartRunOptions = {},
): Promise<StartedRun> {
  const input = toAgentInput(typedInput);
  const workflowId = options.workflowId ?? `agent-${randomUUID()}`;
  const bytes = Buffer.byteLength(JSON.stringify(input));
  if (bytes > MAX_INPUT_BYTES) {
    throw new Error(
      `The run input is ${(bytes / 1024 / 1024).toFixed(2)} MiB; Temporal keeps it in history, where a payload may be at most 2 MiB. Send large documents through a tool instead of the prompt.`,
    );
  }
  const taskQueue = options.taskQueue ?? configFromEnv().taskQueue;
  const summary = firstLine(input.prompt ?? '');
  try {
    const handle: RunHandle = await client.workflow.start(WORKFLOW_TYPE, {
      args: [input],
      taskQueue,
      workflowId,
      // A running ID is never started twice; a finished one only when the caller asks for a new run.
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: options.onExistingId === 'new' ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE',
      ...(summary ? { staticSummary: summary } : {}),
    });
    return { handle, workflowId, state: 'started' };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const handle: RunHandle = client.workflow.getHandle(workflowId);
    const description = await handle.describe();
    return { handle, workflowId, state: description.status.name === 'RUNNING' ? 'running' : 'finished' };
  }
}

/** Waits for a run's result; a failed run throws RunFailedError with the failure's type and message. */
export async function awaitResult(handle: RunHandle): Promise<AgentResult> {
  try {
    return await handle.result();
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      const cause = err.cause;
      const type =
        cause instanceof ApplicationFailure ? (cause.type ?? 'Error') : (cause?.name ?? 'WorkflowFailed');
      throw new RunFailedError(cause?.message ?? err.message, type, handle.workflowId);
    }
    throw err;
  }
}

/**
 * Starts a run whose output is a zod schema and waits for its result, with `output` parsed by that schema (and so
 * typed by it). A failed run, or an output the schema refuses, throws RunFailedError.
 */
export async function runWithOutput<S extends z.ZodType>(
  client: Client,
  input: TypedRunInput<S>,
  options: StartRunOptions = {},
): Promise<TypedResult<S>> {
  const { handle, workflowId } = await startRun(client, input, options);
  const parsed = parseOutput(await awaitResult(handle), input.outputSchema);
  if (parsed.ok) return parsed.result;
  throw new RunFailedError(
    `The run's output does not pass its outputSchema:\n- ${parsed.problems.join('\n- ')}`,
    RunErrorType.InvalidOutput,
    workflowId,
  );
}

/** A run's progress from its `status` query (needs a worker for runs that have ended and left the cache). */
export async function getProgress(client: Client, workflowId: string): Promise<RunProgress> {
  const handle = client.workflow.getHandle(workflowId);
  // A model call waiting out a 429 is invisible to the workflow (the server holds the retry), so its wait is
  // read from the run's pending activities.
  const [progress, description] = await Promise.all([
    handle.query(statusQuery),
    handle.describe().catch(() => undefined),
  ]);
  const wait = modelCallWait(description?.raw.pendingActivities ?? []);
  return wait ? { ...progress, modelCallWaiting: wait } : progress;
}

type PendingActivity = NonNullable<WorkflowExecutionDescription['raw']['pendingActivities']>[number];

function modelCallWait(pending: PendingActivity[]): ModelCallWait | undefined {
  for (const activity of pending) {
    const next = activity.nextAttemptScheduleTime;
    if (activity.activityType?.name !== 'callClaude' || !next?.seconds) continue;
    const at = Number(next.seconds) * 1000 + Math.floor((next.nanos ?? 0) / 1e6);
    if (at <= Date.now()) continue;
    return {
      until: new Date(at).toISOString(),
      attempt: activity.attempt ?? 0,
      errorType: activity.lastFailure?.applicationFailureInfo?.type ?? 'unknown',
    };
  }
  return undefined;
}

/** Link to a run in the Temporal Web UI. */
export function webUiLink(uiBaseUrl: string, namespace: string, workflowId: string, runId?: string): string {
  const base = uiBaseUrl.replace(/\/$/, '');
  const path = `/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return `${base}${path}${runId ? `/${encodeURIComponent(runId)}` : ''}/history`;
}

function firstLine(text: string): string {
  const line =
    text
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? '';
  return line.length > 100 ? `${line.slice(0, 99)}…` : line;
}

/**
 * Every tool call of a run, oldest first, from the message store: a result or the status query holds only the
 * latest calls (`toolCalls`) and the reference of the whole ledger (`toolCallLedger`).
 */
export async function loadToolCalls(
  run: Pick<AgentResult, 'toolCalls' | 'toolCallLedger'>,
  store: MessageStore = defaultMessageStore(),
): Promise<ToolCallRecord[]> {
  // A result from before the ledger was stored holds every call itself.
  if (run.toolCallLedger === undefined) return run.toolCalls;
  return readToolCalls(new Transcripts(store), run.toolCallLedger);
}

/** Reads a run's conversation from the message store (the worker's DURABLE_AGENT_STORE_DIR unless given). */
export async function loadTranscript(
  transcript: TranscriptRef,
  store: MessageStore = defaultMessageStore(),
): Promise<MessageParam[]> {
  return new Transcripts(store).load(transcript.head);
}

// Live event streams of runs (issue 11): the reader and the text-assembly rule clients follow.
export { watchRun, watchSession } from './streams/watch';
export type { WatchRunOptions, WatchSessionOptions } from './streams/watch';
export { StreamText, visibleText } from './streams/assemble';
export type { TextChange, VisibleTurn } from './streams/assemble';
export { streamBackendFromEnv } from './streams/open';
export type { StreamBackend } from './streams/backend';
