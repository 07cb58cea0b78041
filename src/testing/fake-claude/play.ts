import type { IncomingMessage, ServerResponse } from 'node:http';
import { defaultErrorMessage, errorBody, errorTypeForStatus, statusForErrorType } from './errors';
import { sendJson, wait } from './http';
import type { IdSource } from './reply';
import type { PromptCache } from './prompt-cache';
import type { Provenance } from './provenance';
import { buildMessage, isFault } from './reply';
import type { MessageJson } from './reply';
import { formatSse, messageEvents } from './sse';
import type { FakeFault, FakeReply, MessagesRequestBody, RecordedRequest } from './types';

/** One request in flight: what was recorded about it and how to answer it. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  record: RecordedRequest;
  requestId: string;
  /** Aborts when the client goes away or the server closes; every delay and write checks it. */
  signal: AbortSignal;
  /** Set when the fake itself cut the connection, so that is not mistaken for a client abort. */
  dropped: boolean;
}

/** Sends the real API's error JSON and records it as this request's response. */
export function sendError(
  exchange: Exchange,
  status: number,
  errorType: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  exchange.record.response = { status, stream: false, errorType, message };
  sendJson(exchange.res, status, errorBody(errorType, message, exchange.requestId), {
    ...headers,
    'request-id': exchange.requestId,
  });
}

/** Answers a validated /v1/messages request with a scripted reply or fault. */
export async function playTurn(
  exchange: Exchange,
  turn: FakeReply | FakeFault,
  body: MessagesRequestBody,
  ids: IdSource,
  cache?: PromptCache,
  provenance?: Provenance,
  decorate: (message: MessageJson) => MessageJson = (message) => message,
): Promise<void> {
  if (isFault(turn)) return playFault(exchange, turn, body);
  const message = decorate(buildMessage(turn, body, ids, cache, provenance));
  const stream = body.stream === true;
  exchange.record.response = { status: 200, stream };
  if (turn.meet) exchange.record.met = await meetings.meet(turn.meet, exchange.signal);
  await wait(turn.delayMs, exchange.signal);
  if (exchange.signal.aborted) return;
  if (!stream) return sendJson(exchange.res, 200, message, { 'request-id': exchange.requestId });
  await writeStream(exchange, messageEvents(message, turn.deltas).map(formatSse), turn.chunkDelayMs);
}

async function playFault(exchange: Exchange, fault: FakeFault, body: MessagesRequestBody): Promise<void> {
  const { signal } = exchange;
  switch (fault.fault) {
    case 'status': {
      const errorType = fault.errorType ?? errorTypeForStatus(fault.status);
      const headers: Record<string, string> = { ...fault.headers };
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
      const message = fault.message ?? defaultErrorMessage(errorType);
      // Recorded before the delay so a client that gives up while waiting still shows what it was due.
      exchange.record.response = { status: fault.status, stream: false, errorType, message };
      await wait(fault.delayMs, signal);
      if (signal.aborted) return;
      return sendError(exchange, fault.status, errorType, message, headers);
    }
    case 'drop': {
      exchange.record.response = {
        status: 0,
        stream: false,
        message: 'fake-claude: connection dropped (drop fault)',
      };
      await wait(fault.afterMs, signal);
      if (signal.aborted) return;
      exchange.dropped = true;
      exchange.req.socket.destroy();
      return;
    }
    case 'stream-error': {
      const errorType = fault.errorType ?? 'overloaded_error';
      const message = fault.message ?? defaultErrorMessage(errorType);
      // Without a stream the real API can only report the failure as an HTTP status.
      if (body.stream !== true) return sendError(exchange, statusForErrorType(errorType), errorType, message);
      const partial = buildMessage({ content: 'This reply is cut short by a stream error.' }, body, {
        next: (prefix) => `${prefix}stream_error`,
      });
      const before = messageEvents(partial).slice(0, fault.afterEvents ?? 1);
      const error = formatSse({
        event: 'error',
        data: { type: 'error', error: { type: errorType, message } },
      });
      exchange.record.response = { status: 200, stream: true, errorType, message };
      await writeStream(exchange, [...before.map(formatSse), error]);
      return;
    }
    case 'stall': {
      const partial = buildMessage({ content: 'This reply never comes.' }, body, {
        next: (prefix) => `${prefix}stalled`,
      });
      const before = messageEvents(partial).slice(0, fault.afterEvents ?? 1);
      exchange.record.response = {
        status: 200,
        stream: true,
        message: 'fake-claude: stream stalled (stall fault)',
      };
      // Without a stream, a stalled upstream is a request that never gets its response.
      const stream = body.stream === true;
      if (stream) await writeStream(exchange, before.map(formatSse), undefined, false);
      const ping = formatSse({ event: 'ping', data: { type: 'ping' } });
      // Held open until the client gives up or the server closes; pings, if any, keep the socket busy.
      while (!signal.aborted) {
        await wait(fault.pingEveryMs ?? 60_000, signal);
        if (stream && !signal.aborted && fault.pingEveryMs !== undefined) exchange.res.write(ping);
      }
      return;
    }
  }
}

async function writeStream(
  exchange: Exchange,
  frames: string[],
  chunkDelayMs?: number,
  end = true,
): Promise<void> {
  const { res, signal } = exchange;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'request-id': exchange.requestId,
  });
  const textDeltaAt: number[] = [];
  exchange.record.textDeltaAt = textDeltaAt;
  for (const [index, frame] of frames.entries()) {
    if (index > 0) await wait(chunkDelayMs, signal);
    if (signal.aborted) return;
    res.write(frame);
    if (frame.includes('"type":"text_delta"')) textDeltaAt.push(Date.now());
  }
  if (end) {
    res.end();
    exchange.record.endedAt = Date.now();
  }
}

/** Replies held until enough requests of their group are held together (FakeReply.meet). */
class Meetings {
  private readonly waiting = new Map<string, Array<() => void>>();

  /** Resolves true once `count` requests of the group wait together, false after the timeout or an abort. */
  meet(spec: { group: string; count: number; timeoutMs?: number }, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const group = this.waiting.get(spec.group) ?? [];
      this.waiting.set(spec.group, group);
      const release = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const giveUp = () => {
        const at = group.indexOf(release);
        if (at !== -1) group.splice(at, 1);
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(giveUp, spec.timeoutMs ?? 10_000);
      signal.addEventListener('abort', giveUp, { once: true });
      group.push(release);
      if (group.length >= spec.count) {
        this.waiting.delete(spec.group);
        for (const held of group) held();
      }
    });
  }
}

// Groups are named by the script, so one set of meetings serves every fake in the process.
const meetings = new Meetings();
