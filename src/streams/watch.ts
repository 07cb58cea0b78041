// watchRun: a run's events as an async iterator, from any offset, live or after the run ended. The stream
// itself holds everything a worker wrote; Temporal says when the run has closed, so a run that failed, was
// terminated or timed out (and so wrote no `run_finished`) still ends every reader, with one made up from
// how the workflow closed.
import type { Client } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';
import type { AgentResult } from '../shared/result';
import { runFinishedEvent } from '../shared/stream-events';
import type { RunFinishedEvent, StreamEvent } from '../shared/stream-events';
import type { StreamBackend } from './backend';
import { streamBackendFromEnv } from './open';

/** Options of `watchRun` and `watchSession`. */
export interface WatchRunOptions {
  /** Yield events after this offset (the last one a reader saw); 0, the default, from the start. */
  from?: number;
  /** Stops watching; the iterator then ends without error. */
  signal?: AbortSignal;
  /** The stream backend; by default the one of the environment (DURABLE_AGENT_STREAM), closed at the end. */
  backend?: StreamBackend;
}

/** Options of `watchSession`. */
export type WatchSessionOptions = WatchRunOptions;

/**
 * A run's stream events with `offset > from`, in order, live: deltas as the model writes them, tool and turn
 * events, and last `run_finished`, after which the iterator ends. When the run closed without writing one
 * (it failed, was terminated or timed out, or its worker streams nothing), a `run_finished` made from the
 * workflow's outcome ends it, numbered right after the last event of the stream.
 */
export function watchRun(
  client: Client,
  workflowId: string,
  options: WatchRunOptions = {},
): AsyncGenerator<StreamEvent, void, undefined> {
  return watchWorkflow(client, workflowId, options, 'run');
}

/**
 * A conversation's (agentSession's) stream events with `offset > from`, in order, live: every send's deltas,
 * tool and turn events and its `run_finished` (carrying the send's number). It ends only once the session
 * workflow has closed (followed through continue-as-new) and its stream is read to the end, so a reader may
 * follow a conversation for as long as it lasts.
 */
export function watchSession(
  client: Client,
  sessionId: string,
  options: WatchSessionOptions = {},
): AsyncGenerator<StreamEvent, void, undefined> {
  return watchWorkflow(client, sessionId, options, 'session');
}

// Both readers follow the stream live until Temporal says the workflow closed, then read it to its end once
// more. A run's reader stops at the run's `run_finished` (and makes one up from the outcome when the run never
// wrote it); a session writes one per send, so its reader stops only at the stream's end.
async function* watchWorkflow(
  client: Client,
  workflowId: string,
  options: WatchRunOptions,
  kind: 'run' | 'session',
): AsyncGenerator<StreamEvent, void, undefined> {
  const endsAtRunFinished = kind === 'run';
  const from = options.from ?? 0;
  const backend = options.backend ?? (await streamBackendFromEnv(process.env, payloadCodecsOf(client)));
  const stop = new AbortController();
  const abort = () => stop.abort();
  options.signal?.addEventListener('abort', abort, { once: true });
  // The workflow's outcome, once it closes (followed through continue-as-new); it cuts the live read short.
  const closed = client
    .withAbortSignal(stop.signal, () => client.workflow.getHandle(workflowId).result())
    .then(
      (result: unknown) => ({
        event: kind === 'run' ? outcomeEvent({ ok: result as AgentResult }) : undefined,
      }),
      (err: unknown) => {
        if (stop.signal.aborted) return undefined;
        const event = outcomeEvent({ err });
        // Not a closed workflow (no such workflow, no server): the reader is told, not left waiting.
        if (!event) return { error: err };
        return { event: kind === 'run' ? event : undefined };
      },
    );
  const follow = new AbortController();
  void closed.then(() => follow.abort());
  stop.signal.addEventListener('abort', () => follow.abort(), { once: true });
  let last = from;
  try {
    for await (const event of backend.read(workflowId, last, { signal: follow.signal })) {
      last = event.offset;
      yield event;
      if (endsAtRunFinished && event.type === 'run_finished') return;
    }
    if (options.signal?.aborted) return;
    const closing = await closed;
    if (stop.signal.aborted || !closing) return;
    if ('error' in closing) throw closing.error;
    // Everything the workers wrote is in the stream before the workflow closes: read to its end once more.
    for await (const event of backend.read(workflowId, last, { follow: false })) {
      last = event.offset;
      yield event;
      if (endsAtRunFinished && event.type === 'run_finished') return;
    }
    const outcome = closing.event;
    if (!outcome) return;
    // A reader that resumes after the made-up event (past the stream's end) has seen it already.
    if (last === from && from > 0 && !(await hasEventAt(backend, workflowId, from))) return;
    yield { ...outcome, offset: last + 1 };
  } finally {
    options.signal?.removeEventListener('abort', abort);
    stop.abort();
    await closed.catch(() => undefined);
    if (!options.backend) await backend.close();
  }
}

async function hasEventAt(backend: StreamBackend, streamId: string, offset: number): Promise<boolean> {
  for await (const event of backend.read(streamId, offset - 1, { follow: false }))
    return event.offset === offset;
  return false;
}

function payloadCodecsOf(client: Client) {
  return client.options.loadedDataConverter.payloadCodecs;
}

/** The run_finished event for how a workflow closed: its result, or its failure. */
export function outcomeEvent(outcome: { ok: AgentResult }): RunFinishedEvent;
export function outcomeEvent(outcome: { err: unknown }): RunFinishedEvent | undefined;
export function outcomeEvent(outcome: { ok: AgentResult } | { err: unknown }): RunFinishedEvent | undefined {
  if ('ok' in outcome) return runFinishedEvent(outcome.ok);
  const { err } = outcome;
  if (!(err instanceof WorkflowFailedError)) return undefined;
  const cause = err.cause;
  const status: RunFinishedEvent['status'] =
    cause instanceof TerminatedFailure
      ? 'terminated'
      : cause instanceof TimeoutFailure
        ? 'timed_out'
        : cause instanceof CancelledFailure
          ? 'cancelled'
          : 'failed';
  const type =
    cause instanceof ApplicationFailure ? (cause.type ?? 'Error') : (cause?.name ?? 'WorkflowFailed');
  return {
    type: 'run_finished',
    status,
    text: '',
    error: { type, message: cause?.message ?? err.message },
  };
}
