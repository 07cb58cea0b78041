// The HTTP API's errors: every one is JSON `{ type, message }` with a status code, so a script can branch on the
// type and a person can act on the message.
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { SessionErrorType } from '../shared/session-definitions';

/** Stable `type` strings of the HTTP API's errors. */
export const HttpErrorType = {
  /** The body is not JSON, or a field has the wrong shape. */
  InvalidRequest: 'InvalidRequest',
  /** The run input failed the run input schema; the message lists each problem. */
  InvalidAgentInput: 'InvalidAgentInput',
  /** No bearer token, or the wrong one. */
  Unauthorized: 'Unauthorized',
  /** No run with that ID. */
  RunNotFound: 'RunNotFound',
  /** No session with that ID. */
  SessionNotFound: 'SessionNotFound',
  /** The session has ended (or is ending): it takes no more messages, and its ID is not started again. */
  SessionEnded: 'SessionEnded',
  /** No route for this method and path. */
  RouteNotFound: 'RouteNotFound',
  /** The tool call named is not waiting for a person (unknown, or already decided). */
  ApprovalNotWaiting: 'ApprovalNotWaiting',
  /** The run or session refused a message (an update's validator said no). */
  Rejected: 'Rejected',
  /** The request body is larger than the API accepts. */
  RequestTooLarge: 'RequestTooLarge',
  /** The Temporal server did not answer. */
  ServerUnreachable: 'ServerUnreachable',
  /** Anything else; the message says what failed. */
  Internal: 'Internal',
} as const;

/** One of HttpErrorType's values. */
type HttpErrorTypeName = (typeof HttpErrorType)[keyof typeof HttpErrorType];

/** An error the API answers with: its status code, type and message. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: 400 | 401 | 404 | 409 | 413 | 500 | 503,
    readonly type: HttpErrorTypeName,
    message: string,
  ) {
    super(message);
  }
}

/** The body of every error response. */
export interface ErrorBody {
  type: string;
  message: string;
}

// gRPC status codes the Temporal client reports; the server's own codes decide 404 and 503.
const GRPC_NOT_FOUND = 5;
const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

function grpcCode(err: unknown): number | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 4; i++) {
    if (typeof e.code === 'number') return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

/**
 * Turns what the Temporal client threw into an HttpError: unknown (or closed, for signals) workflows are 404
 * with `notFound`'s type and message, an unreachable server 503, the rest 500 with the client's message.
 */
export function fromTemporalError(err: unknown, notFound: () => HttpError): HttpError {
  if (err instanceof HttpError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = grpcCode(err);
  if (
    err instanceof WorkflowNotFoundError ||
    code === GRPC_NOT_FOUND ||
    /not found|already completed/i.test(message)
  )
    return notFound();
  if (
    code === GRPC_UNAVAILABLE ||
    code === GRPC_DEADLINE_EXCEEDED ||
    /UNAVAILABLE|ECONNREFUSED|DEADLINE_EXCEEDED/.test(message)
  ) {
    return new HttpError(
      503,
      HttpErrorType.ServerUnreachable,
      `The Temporal server does not answer (${message}). Start one with \`npx durable-agent dev\`, or point TEMPORAL_ADDRESS at yours, then retry.`,
    );
  }
  return new HttpError(500, HttpErrorType.Internal, message);
}

/**
 * An approve update that failed: its validator's refusal (nothing with that ID waits, or it was decided already)
 * is 409 with the run's own message, which lists what does wait.
 */
export function fromApprovalError(err: unknown, notFound: () => HttpError): HttpError {
  if (err instanceof WorkflowUpdateFailedError) {
    const reason = err.cause?.message ?? err.message;
    return /waiting|already/i.test(reason)
      ? new HttpError(409, HttpErrorType.ApprovalNotWaiting, reason)
      : new HttpError(400, HttpErrorType.Rejected, reason);
  }
  return fromTemporalError(err, notFound);
}

/**
 * A send (update-with-start) that failed. A session that has closed is never started again under its ID (reuse
 * policy REJECT_DUPLICATE, as `openSession` does), and one that is closing refuses the message in its validator:
 * both are 409 SessionEnded, so a closed conversation is not silently replaced by an empty one.
 */
export function fromSendError(err: unknown, sessionId: string, notFound: () => HttpError): HttpError {
  const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
  if (cause instanceof ApplicationFailure && cause.type === SessionErrorType.SessionEnded)
    return new HttpError(409, HttpErrorType.SessionEnded, cause.message);
  if (
    err instanceof WorkflowExecutionAlreadyStartedError ||
    (err instanceof Error && /already (completed|started)/i.test(err.message))
  )
    return new HttpError(
      409,
      HttpErrorType.SessionEnded,
      `Session ${sessionId} has ended; it takes no more messages. Start a new conversation with another ID to go on.`,
    );
  return fromApprovalError(err, notFound);
}
