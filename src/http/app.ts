// The HTTP API of `durable-agent serve`: runs and sessions over the client library, their events as SSE, and
// the chat page. Built from injected dependencies (a Temporal client, the event reader) so tests can serve it
// against a real server with a scripted event stream.
import type { Client } from '@temporalio/client';
import { Hono } from 'hono';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { awaitResult, getProgress, RunFailedError, startRun, webUiLink } from '../client';
import { sessionStart } from '../session-client';
import { approveUpdate, cancelSignal } from '../shared/definitions';
import { parseAgentInput } from '../shared/input';
import {
  endSignal,
  interruptSignal,
  sendNumberQuery,
  sendUpdate,
  sessionStatusQuery,
  steerSignal,
} from '../shared/session-definitions';
import type { AgentInput } from '../shared';
import { checkToken, presentedToken } from './auth';
import { fromApprovalError, fromSendError, fromTemporalError, HttpError, HttpErrorType } from './errors';
import type { ErrorBody } from './errors';
import { servePage } from './page-files';
import { eventStream } from './sse';
import type { WatchEvents } from './sse';

/** The largest request body accepted: a run's input may be 1.5 MiB (it lives in history, 2 MiB a payload). */
const MAX_BODY_BYTES = 1.5 * 1024 * 1024;
/** Where the Temporal Web UI lives when nothing says otherwise: the dev server's. */
const DEFAULT_UI_URL = 'http://localhost:8233';
const MAX_ID_CHARS = 400;
const MAX_TEXT_CHARS = 100_000;

/** What the API is built from. */
export interface AppDependencies {
  client: Client;
  /** Reads a run's event stream from an offset (src/streams' watchRun in production, see readers.ts). */
  watch: WatchEvents;
  /** Reads a session's event stream from an offset (watchSession in production); `watch` when not given. */
  watchSession?: WatchEvents;
  /** Task queue of the runs and sessions this API starts. */
  taskQueue: string;
  /** Base URL of the Temporal Web UI, for links (default http://localhost:8233). */
  uiBaseUrl?: string;
  /** When set, every API request must carry `Authorization: Bearer <token>`. */
  token?: string;
  /** Milliseconds between SSE `: ping` comments (default 15 s). */
  heartbeatMs?: number;
}

const runNotFound = (id: string) => () =>
  new HttpError(
    404,
    HttpErrorType.RunNotFound,
    `No run with ID "${id}" (or it has ended, for cancel). GET /runs/${id} tells whether it exists.`,
  );
const sessionNotFound = (id: string) => () =>
  new HttpError(
    404,
    HttpErrorType.SessionNotFound,
    `No open session with ID "${id}". POST /sessions/${id}/messages { "text": ... } starts one.`,
  );

function invalid(message: string): HttpError {
  return new HttpError(400, HttpErrorType.InvalidRequest, message);
}

/** The body as a JSON object; an empty body is `{}` (routes whose fields are all optional). */
async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalid(`The body is not JSON (${(err as Error).message}); send a JSON object.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid('The body must be a JSON object.');
  return value as Record<string, unknown>;
}

function optionalString(body: Record<string, unknown>, field: string, max: number): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`"${field}" must be a string.`);
  if (value.length > max)
    throw invalid(`"${field}" is ${value.length} characters; at most ${max} are accepted.`);
  return value;
}

function requiredText(body: Record<string, unknown>, field: string): string {
  const value = optionalString(body, field, MAX_TEXT_CHARS);
  if (value === undefined || value.trim() === '') throw invalid(`Send { "${field}": "..." } with some text.`);
  return value;
}

function checkId(id: string, what: string): string {
  if (id.length === 0 || id.length > MAX_ID_CHARS)
    throw invalid(`A ${what} ID is 1 to ${MAX_ID_CHARS} characters, not ${id.length}.`);
  return id;
}

/** The approve body: `{ approved: boolean, note?: string }`. */
function decisionOf(body: Record<string, unknown>, toolUseId: string) {
  if (typeof body.approved !== 'boolean') throw invalid('Send { "approved": true | false, "note"?: "..." }.');
  const note = optionalString(body, 'note', 4000);
  return { toolUseId, approved: body.approved, ...(note === undefined ? {} : { note }) };
}

/** Builds the API and the chat page. */
export function createApp(deps: AppDependencies): Hono {
  const { client, watch, taskQueue, token } = deps;
  const watchSessionEvents = deps.watchSession ?? watch;
  const uiBase = deps.uiBaseUrl ?? DEFAULT_UI_URL;
  const namespace = client.options.namespace;
  const link = (workflowId: string, runId?: string) => webUiLink(uiBase, namespace, workflowId, runId);
  const streamOptions = deps.heartbeatMs === undefined ? {} : { heartbeatMs: deps.heartbeatMs };
  const app = new Hono();

  app.onError((err, c) => {
    const failure =
      err instanceof HttpError
        ? err
        : fromTemporalError(err, () => new HttpError(500, HttpErrorType.Internal, err.message));
    return c.json<ErrorBody>({ type: failure.type, message: failure.message }, failure.status);
  });
  app.notFound((c) =>
    c.json<ErrorBody>(
      {
        type: HttpErrorType.RouteNotFound,
        message: `No route ${c.req.method} ${c.req.path}. The API has /runs and /sessions; GET / is the chat page.`,
      },
      404,
    ),
  );

  // The page's files hold no secrets; the API behind them asks for the token.
  app.get('/', (c) => servePage(c, 'index.html'));
  app.get('/page/:file', (c) => servePage(c, c.req.param('file')));

  // Only the API's paths: middleware of a sub-app mounted at / would cover the page too.
  const api = new Hono();
  const limit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) =>
      c.json<ErrorBody>(
        {
          type: HttpErrorType.RequestTooLarge,
          message: `The body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB, the most a run's input may be (Temporal keeps it in history). Send large documents through a tool instead.`,
        },
        413,
      ),
  });
  for (const path of ['/runs', '/runs/*', '/sessions/*']) {
    api.use(path, async (c, next) => {
      if (token !== undefined) checkToken(presentedToken(c.req.header('authorization')), token);
      await next();
    });
    api.use(path, limit);
  }

  // ── runs ──
  api.post('/runs', async (c) => {
    const { id, ...input } = await jsonBody(c);
    if (id !== undefined && typeof id !== 'string') throw invalid('"id" must be a string.');
    if (id !== undefined) checkId(id, 'run');
    const parsed = parseAgentInput(input);
    if (!parsed.ok) {
      throw new HttpError(
        400,
        HttpErrorType.InvalidAgentInput,
        `The run input is not valid:\n- ${parsed.problems.join('\n- ')}`,
      );
    }
    const started = await startRun(client, input as AgentInput, {
      taskQueue,
      ...(id === undefined ? {} : { workflowId: id }),
    }).catch((err: unknown) => {
      throw err instanceof Error && /MiB/.test(err.message)
        ? new HttpError(413, HttpErrorType.RequestTooLarge, err.message)
        : fromTemporalError(err, runNotFound(id ?? ''));
    });
    const { runId } = await started.handle.describe();
    return c.json(
      { id: started.workflowId, runId, state: started.state, link: link(started.workflowId, runId) },
      started.state === 'started' ? 201 : 200,
    );
  });

  api.get('/runs/:id', async (c) => {
    const id = checkId(c.req.param('id'), 'run');
    const description = await client.workflow
      .getHandle(id)
      .describe()
      .catch((err: unknown) => {
        throw fromTemporalError(err, runNotFound(id));
      });
    const execution = description.status.name;
    // The status query needs a worker; without one the run is still described.
    const progress = await getProgress(client, id).catch(() => null);
    const answer: Record<string, unknown> = {
      id,
      runId: description.runId,
      execution,
      startTime: description.startTime.toISOString(),
      closeTime: description.closeTime?.toISOString() ?? null,
      progress,
      link: link(id, description.runId),
    };
    if (execution !== 'RUNNING') {
      try {
        answer.result = await awaitResult(client.workflow.getHandle(id, description.runId));
      } catch (err) {
        answer.error =
          err instanceof RunFailedError
            ? { type: err.type, message: err.message }
            : { type: execution, message: (err as Error).message };
      }
    }
    return c.json(answer);
  });

  api.get('/runs/:id/events', async (c) => {
    const id = checkId(c.req.param('id'), 'run');
    await client.workflow
      .getHandle(id)
      .describe()
      .catch((err: unknown) => {
        throw fromTemporalError(err, runNotFound(id));
      });
    return eventStream(c.req.raw, watch, id, { endAfterRunFinished: true, ...streamOptions });
  });

  api.post('/runs/:id/cancel', async (c) => {
    const id = checkId(c.req.param('id'), 'run');
    const reason = optionalString(await jsonBody(c), 'reason', 1000) ?? 'cancelled through the HTTP API';
    await client.workflow
      .getHandle(id)
      .signal(cancelSignal, { reason })
      .catch((err: unknown) => {
        throw fromTemporalError(err, runNotFound(id));
      });
    return c.json({ id, cancelRequested: true, reason }, 202);
  });

  api.post('/runs/:id/approvals/:toolUseId', async (c) => {
    const id = checkId(c.req.param('id'), 'run');
    const decision = decisionOf(await jsonBody(c), c.req.param('toolUseId'));
    const message = await client.workflow
      .getHandle(id)
      .executeUpdate(approveUpdate, { args: [decision] })
      .catch((err: unknown) => {
        throw fromApprovalError(err, runNotFound(id));
      });
    return c.json({ id, ...decision, message });
  });

  // ── sessions ──
  api.post('/sessions/:id/messages', async (c) => {
    const id = checkId(c.req.param('id'), 'session');
    const body = await jsonBody(c);
    const text = requiredText(body, 'text');
    const session = body.session ?? {};
    if (typeof session !== 'object' || session === null || Array.isArray(session))
      throw invalid(
        '"session" (the session input, used when this message starts the session) must be an object.',
      );
    // Answer once the session has accepted the message: the turn's text follows on the event stream.
    const update = await client.workflow
      .startUpdateWithStart(sendUpdate, {
        args: [{ text }],
        waitForStage: 'ACCEPTED',
        // A closed session's ID is not started again: 409 SessionEnded.
        startWorkflowOperation: sessionStart(id, session, taskQueue),
      })
      .catch((err: unknown) => {
        throw fromSendError(err, id, sessionNotFound(id));
      });
    // Asked of the run that accepted this send, by its update ID: the session's count of sends may already
    // include other messages accepted since (concurrent posts), and the session may have continued as new.
    const send = await client.workflow
      .getHandle(id, update.workflowRunId)
      .query(sendNumberQuery, { updateId: update.updateId })
      .catch(() => null);
    return c.json(
      { id, updateId: update.updateId, ...(typeof send === 'number' ? { send } : {}), link: link(id) },
      202,
    );
  });

  api.get('/sessions/:id', async (c) => {
    const id = checkId(c.req.param('id'), 'session');
    const status = await client.workflow
      .getHandle(id)
      .query(sessionStatusQuery)
      .catch((err: unknown) => {
        throw fromTemporalError(err, sessionNotFound(id));
      });
    return c.json({ id, ...status, link: link(id) });
  });

  api.get('/sessions/:id/events', async (c) => {
    const id = checkId(c.req.param('id'), 'session');
    await client.workflow
      .getHandle(id)
      .describe()
      .catch((err: unknown) => {
        throw fromTemporalError(err, sessionNotFound(id));
      });
    return eventStream(c.req.raw, watchSessionEvents, id, { endAfterRunFinished: false, ...streamOptions });
  });

  api.post('/sessions/:id/steer', async (c) => {
    const id = checkId(c.req.param('id'), 'session');
    const text = requiredText(await jsonBody(c), 'text');
    await signalSession(id, (h) => h.signal(steerSignal, { text }));
    return c.json({ id, steered: true }, 202);
  });
  api.post('/sessions/:id/interrupt', async (c) => {
    const id = checkId(c.req.param('id'), 'session');
    const reason = optionalString(await jsonBody(c), 'reason', 1000);
    await signalSession(id, (h) => h.signal(interruptSignal, reason === undefined ? {} : { reason }));
    return c.json({ id, interruptRequested: true }, 202);
  });
  api.post('/sessions/:id/end', async (c) => {
    const id = checkId(c.req.param('id'), 'session');
    const reason = optionalString(await jsonBody(c), 'reason', 1000);
    await signalSession(id, (h) => h.signal(endSignal, reason === undefined ? {} : { reason }));
    return c.json({ id, endRequested: true }, 202);
  });
  api.post('/sessions/:id/approvals/:toolUseId', async (c) => {
    const id = checkId(c.req.param('id'), 'session');
    const decision = decisionOf(await jsonBody(c), c.req.param('toolUseId'));
    const message = await client.workflow
      .getHandle(id)
      .executeUpdate(approveUpdate, { args: [decision] })
      .catch((err: unknown) => {
        throw fromApprovalError(err, sessionNotFound(id));
      });
    return c.json({ id, ...decision, message });
  });

  async function signalSession(
    id: string,
    send: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<void>,
  ) {
    await send(client.workflow.getHandle(id)).catch((err: unknown) => {
      throw fromTemporalError(err, sessionNotFound(id));
    });
  }

  app.route('/', api);
  return app;
}
