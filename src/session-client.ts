// The client side of a conversation (`agentSession`): open it by ID, send messages, steer, interrupt, end.
// The first send starts the session (update-with-start), so a conversation needs no separate start call.
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { ApplicationFailure } from '@temporalio/common';
import { configFromEnv } from './config';
import {
  approveUpdate,
  endSignal,
  interruptSignal,
  MAX_SEND_BYTES,
  sendUpdate,
  SESSION_WORKFLOW_TYPE,
  SessionErrorType,
  sessionStatusQuery,
  steerSignal,
} from './shared';
import type {
  ContentBlock,
  SendArgs,
  SendResult,
  SessionInput,
  SessionResult,
  SessionStatus,
} from './shared';

/** A conversation's operation failed; `type` is the stable error type (SessionEnded, InvalidSendArgs, ClaudeBadRequest…). */
export class SessionError extends Error {
  override name = 'SessionError';
  constructor(
    message: string,
    readonly type: string,
    readonly sessionId: string,
  ) {
    super(message);
  }
}

/** One conversation, by ID. Every call goes to the `agentSession` workflow of that ID. */
export interface AgentSession {
  readonly id: string;
  /** Sends the next user message (text or content blocks) and returns the turn's result when it ends. */
  send(message: string | ContentBlock[]): Promise<SendResult>;
  /** Adds a user message to the turn in progress at its next boundary (or to the next send when none runs). */
  steer(text: string): Promise<void>;
  /** Stops the turn in progress; its send returns `cancelled` and the conversation goes on. */
  interrupt(reason?: string): Promise<void>;
  /** Closes the conversation (the turn in progress is stopped). */
  end(reason?: string): Promise<void>;
  /** The conversation's state: idle, running or ended, its totals, approvals waiting. */
  status(): Promise<SessionStatus>;
  /** Approves (or rejects) a tool call of the turn in progress that waits for a person. */
  approve(toolUseId: string, approved?: boolean, note?: string): Promise<string>;
  /** Waits for the conversation to close and returns its totals. */
  result(): Promise<SessionResult>;
}

/** Options of `openSession`. */
export interface OpenSessionOptions {
  taskQueue?: string;
}

/**
 * A conversation by ID. Nothing is sent until the first call: the first `send` starts the session with `input`
 * (ignored when the session already runs). An ID whose session has closed is never started again, so a closed
 * conversation is not silently replaced by an empty one.
 */
export function openSession(
  client: Client,
  id: string,
  input: SessionInput = {},
  options: OpenSessionOptions = {},
): AgentSession {
  const taskQueue = options.taskQueue ?? configFromEnv().taskQueue;
  const handle = (): WorkflowHandle => client.workflow.getHandle(id);
  const fail = (err: unknown): never => {
    throw asSessionError(err, id);
  };
  return {
    id,
    async send(message) {
      const args = sendArgs(message, id);
      return client.workflow
        .executeUpdateWithStart(sendUpdate, {
          args: [args],
          startWorkflowOperation: sessionStart(id, input, taskQueue),
        })
        .catch(fail);
    },
    async steer(text) {
      if (typeof text !== 'string' || text.trim() === '' || Buffer.byteLength(text) > MAX_SEND_BYTES)
        throw new SessionError(
          `steer takes non-blank text of at most ${MAX_SEND_BYTES} bytes.`,
          SessionErrorType.InvalidSendArgs,
          id,
        );
      await handle().signal(steerSignal, { text }).catch(fail);
    },
    async interrupt(reason) {
      await handle()
        .signal(interruptSignal, reason === undefined ? {} : { reason })
        .catch(fail);
    },
    async end(reason) {
      await handle()
        .signal(endSignal, reason === undefined ? {} : { reason })
        .catch(fail);
    },
    async status() {
      return handle().query(sessionStatusQuery).catch(fail);
    },
    async approve(toolUseId, approved = true, note) {
      return handle()
        .executeUpdate(approveUpdate, {
          args: [{ toolUseId, approved, ...(note === undefined ? {} : { note }) }],
        })
        .catch(fail);
    },
    async result() {
      return (handle().result() as Promise<SessionResult>).catch(fail);
    },
  };
}

/**
 * The start half of a send's update-with-start: a second message joins the open session, only the first one
 * starts it, and an ID whose session has closed is not started again (its send fails with SessionEnded).
 */
export function sessionStart(
  id: string,
  input: unknown,
  taskQueue: string,
): WithStartWorkflowOperation<Workflow> {
  return new WithStartWorkflowOperation(SESSION_WORKFLOW_TYPE, {
    workflowId: id,
    taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
  });
}

function sendArgs(message: string | ContentBlock[], id: string): SendArgs {
  const args: SendArgs = typeof message === 'string' ? { text: message } : { content: message };
  const bytes = Buffer.byteLength(JSON.stringify(args));
  const blank = typeof message === 'string' ? message.trim() === '' : message.length === 0;
  if (blank || bytes > MAX_SEND_BYTES)
    throw new SessionError(
      blank
        ? 'send takes a non-blank message.'
        : `the message is ${bytes} bytes; at most ${MAX_SEND_BYTES} fit in one send. Give large documents to the agent through a tool.`,
      SessionErrorType.InvalidSendArgs,
      id,
    );
  return args;
}

function asSessionError(err: unknown, id: string): unknown {
  if (err instanceof WorkflowUpdateFailedError || err instanceof WorkflowFailedError) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure)
      return new SessionError(cause.message, cause.type ?? 'Error', id);
  }
  if (
    err instanceof WorkflowExecutionAlreadyStartedError ||
    err instanceof WorkflowNotFoundError ||
    (err instanceof Error && /already completed/i.test(err.message))
  )
    return new SessionError(
      `Session ${id} has ended or does not exist; it takes no more messages. Open a new session with another ID to go on.`,
      SessionErrorType.SessionEnded,
      id,
    );
  return err;
}
