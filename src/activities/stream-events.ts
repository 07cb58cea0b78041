// The activities' side of run event streams: model-call deltas, tool starts and ends, and the events the
// workflow publishes at a run's end (publishEvents).
import { Context } from '@temporalio/activity';
import type { CallClaudeInput, StreamEventBody } from '../shared';
import { ModelCallStream } from '../streams/model-deltas';
import type { StreamWriter } from '../streams/writer';

type ActivityContext = ReturnType<typeof Context.current>;

/** The workflow ID of the activity's run: the stream's key (a continue-as-new chain keeps it). */
function streamIdOf(ctx: ActivityContext): string {
  return ctx.info.workflowExecution?.workflowId ?? ctx.info.activityId;
}

function warnOf(ctx: ActivityContext) {
  return (message: string, meta?: Record<string, unknown>) => ctx.log.warn(message, meta);
}

/** Starts the stream of a model call (the carried events and, on a retry, `retry`); undefined when off. */
export function startModelCallStream(
  writer: StreamWriter | undefined,
  ctx: ActivityContext,
  input: CallClaudeInput,
): ModelCallStream | undefined {
  if (!writer?.enabled || input.turn === undefined) return undefined;
  const stream = new ModelCallStream({
    writer,
    streamId: streamIdOf(ctx),
    turn: input.turn,
    attempt: ctx.info.attempt,
    warn: warnOf(ctx),
  });
  // The carried events were written by the first attempt already; a retry only says it starts again.
  stream.begin(ctx.info.attempt === 1 ? (input.events ?? []) : []);
  return stream;
}

/** Writes events of a tool call; resolves once written or warned about, never rejects. */
export function emitToolEvents(
  writer: StreamWriter | undefined,
  ctx: ActivityContext,
  events: StreamEventBody[],
): Promise<unknown> {
  if (!writer?.enabled) return Promise.resolve();
  return writer.emit(streamIdOf(ctx), events, warnOf(ctx));
}

/** What publishEvents writes. */
export interface PublishEventsInput {
  events: StreamEventBody[];
}

/** The publishEvents activity: writes the events a workflow has at a run's end (or before continue-as-new). */
export function createPublishEvents(writer: StreamWriter | undefined) {
  return async function publishEvents(input: PublishEventsInput): Promise<void> {
    const ctx = Context.current();
    await emitToolEvents(writer, ctx, input.events);
  };
}
