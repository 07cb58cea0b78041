// A small HTTP front for the ledger, shaped like a card processor's API, so the payment tools make real
// network calls that can time out, fail and be retried.
//
//   npx tsx examples/payments/server.ts        # LEDGER_PORT (4242), LEDGER_FILE, LEDGER_DELAY_MS
//
//   POST /v1/charges                 JSON ChargeRequest; `Idempotency-Key` header honoured
//   GET  /v1/charges?reference=X     { data: Charge[] } with that reference
//   GET  /v1/charges                 { data: Charge[] }, all of them
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { IdempotencyKeyReusedError, InvalidChargeError, openLedger } from './ledger';
import type { ChargeRequest, Ledger } from './ledger';

/** Options of `startLedgerServer`. */
export interface LedgerServerOptions {
  /** The ledger's JSON file; created on the first charge. */
  file: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1: the demo ledger is not meant to be reachable from other machines. */
  host?: string;
  /** Holds every response this long after the work is done, to play a slow bank. */
  delayMs?: number;
}

/** A running ledger server. */
export interface LedgerServer {
  /** Base URL, e.g. http://127.0.0.1:4242; set LEDGER_URL to it for the tools. */
  url: string;
  ledger: Ledger;
  /** Stops listening and drops open connections, including responses still being delayed. */
  close(): Promise<void>;
}

/** Body of every error response: a stable `type` and a message a person can act on. */
export interface LedgerErrorBody {
  error: { type: string; message: string };
}

const MAX_BODY_BYTES = 64 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Starts the ledger HTTP server; resolves once it listens. */
export async function startLedgerServer(options: LedgerServerOptions): Promise<LedgerServer> {
  const { file, port = 0, host = '127.0.0.1', delayMs = 0 } = options;
  const ledger = openLedger(file);
  const closing = new AbortController();

  const server = createServer((req, res) => {
    void respond(ledger, req, res, delayMs, closing.signal);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostname = address.address.includes(':') ? `[${address.address}]` : address.address;

  return {
    url: `http://${hostname}:${address.port}`,
    ledger,
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing.abort();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function respond(
  ledger: Ledger,
  req: IncomingMessage,
  res: ServerResponse,
  delayMs: number,
  closing: AbortSignal,
): Promise<void> {
  let reply: Reply;
  try {
    reply = await route(ledger, req);
  } catch (err) {
    reply = errorReply(err);
  }
  try {
    // The work is done before the delay: a caller that gives up waiting has still been charged, which is
    // exactly the case idempotency keys and reconcile exist for.
    if (delayMs > 0) await sleep(delayMs, undefined, { signal: closing });
  } catch {
    return; // the server is closing; its connections are being dropped
  }
  res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
  res.end(JSON.stringify(reply.body));
}

async function route(ledger: Ledger, req: IncomingMessage): Promise<Reply> {
  const url = new URL(req.url ?? '/', 'http://ledger');
  if (url.pathname !== '/v1/charges') {
    throw new HttpError(404, 'NotFound', `no such endpoint: ${url.pathname}; use /v1/charges`);
  }
  if (req.method === 'GET') {
    const reference = url.searchParams.get('reference');
    const data = reference === null ? await ledger.list() : await ledger.findByReference(reference);
    return { status: 200, body: { data } };
  }
  if (req.method === 'POST') {
    // The key comes from the header only, as with Stripe; the ledger validates every field at run time.
    const { idempotencyKey: _ignored, ...fields } = await readJson(req);
    const idempotencyKey = header(req, 'idempotency-key');
    const request = { ...fields, ...(idempotencyKey !== undefined && { idempotencyKey }) };
    const { replayed, ...charge } = await ledger.charge(request as unknown as ChargeRequest);
    return {
      status: 200,
      body: charge,
      ...(replayed && { headers: { 'idempotent-replayed': 'true' } }),
    };
  }
  throw new HttpError(
    405,
    'MethodNotAllowed',
    `${req.method ?? '?'} is not allowed on /v1/charges; use GET or POST`,
  );
}

function errorReply(err: unknown): Reply {
  const reply = (status: number, type: string, message: string): Reply => ({
    status,
    body: { error: { type, message } } satisfies LedgerErrorBody,
  });
  if (err instanceof HttpError) return reply(err.status, err.type, err.message);
  if (err instanceof InvalidChargeError) return reply(400, err.type, err.message);
  if (err instanceof IdempotencyKeyReusedError) return reply(409, err.type, err.message);
  console.error('ledger: unexpected error', err);
  return reply(500, 'Internal', `the ledger failed: ${err instanceof Error ? err.message : String(err)}`);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      throw new HttpError(413, 'BodyTooLarge', `the request body is larger than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new HttpError(400, 'InvalidJson', `the request body is not valid JSON: ${(err as Error).message}`);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, 'InvalidCharge', 'the request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

if (require.main === module) {
  const file =
    process.env.LEDGER_FILE ??
    path.join(process.env.DURABLE_AGENT_DATA_DIR ?? path.join(os.tmpdir(), 'durable-agent'), 'ledger.json');
  const port = Number(process.env.LEDGER_PORT ?? 4242);
  const delayMs = Number(process.env.LEDGER_DELAY_MS ?? 0);
  startLedgerServer({ file, port, delayMs }).then(
    ({ url }) => {
      console.log(`ledger listening on ${url} (file ${file}${delayMs > 0 ? `, ${delayMs} ms delay` : ''})`);
      console.log(`for the worker: export LEDGER_URL=${url}`);
    },
    (err: unknown) => {
      console.error(`ledger: cannot start: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    },
  );
}
