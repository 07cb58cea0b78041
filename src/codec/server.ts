// A codec server: Temporal's remote codec protocol (POST …/encode and …/decode with protobuf-JSON payloads)
// over node:http, so the Web UI and `temporal workflow show --codec-endpoint` can show decrypted payloads to
// those who hold the token, while the server and everyone else only ever see ciphertext.
//
// Two ways to present the token: `Authorization: Bearer <token>` (the Temporal CLI's `--codec-auth`, scripts),
// or a session cookie set by signing in at …/login. The cookie exists for the Web UI: the UI only sends its own
// OIDC access token (and only to HTTPS endpoints), never a static one, but with "Include cross-origin
// credentials" turned on it sends the codec server's cookies, which is why CORS allows credentials.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { CODEC_SERVER_ENV, ENCRYPTION_ENV, KEY_HINT } from './env';
import { CodecError } from './errors';
import { payloadsFromJson, payloadsToJson } from './http-payloads';
import { codecsOf } from './keys';
import { resolveSettings } from '../settings';
import { decodeWithCodecs, encodeWithCodecs } from './payload';

/** Port of the codec server when none is configured. */
export const DEFAULT_CODEC_PORT = 8081;
/** Origins allowed by default: the dev server's Web UI under both names it is reached by. */
export const DEFAULT_CORS_ORIGINS = ['http://localhost:8233', 'http://127.0.0.1:8233'];
/** Name of the session cookie set by …/login. */
const SESSION_COOKIE = 'durable_agent_codec';
/** Shortest token accepted: it guards every key, so it must not be guessable. */
const MIN_TOKEN_LENGTH = 16;

const ALLOWED_HEADERS = 'Authorization, Content-Type, X-Namespace';
const ALLOWED_METHODS = 'POST, OPTIONS';
const SESSION_SECONDS = 12 * 60 * 60;
const TOKEN_HINT = 'Generate one with `openssl rand -hex 32`.';

/** Options of `startCodecServer`. */
export interface CodecServerOptions {
  /** The same codecs, in the same order, as the clients and workers use. */
  codecs: PayloadCodec[];
  /** Callers must present this token (bearer header, or the cookie from …/login). */
  token: string;
  /** Browser origins (scheme://host:port) allowed to call the server, e.g. the Web UI's. */
  corsOrigins: string[];
  /** Default 8081; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1: the server decrypts for anyone with the token, so it is not exposed unless asked. */
  host?: string;
  /** Largest request body accepted (default 32 MiB). */
  maxBodyBytes?: number;
}

/** A running codec server. */
export interface CodecServer {
  /** Base URL; the Web UI's codec endpoint. */
  url: string;
  close(): Promise<void>;
}

/** Starts a codec server. */
export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  if (options.token.length < MIN_TOKEN_LENGTH) {
    throw new Error(
      `The codec server token must be at least ${MIN_TOKEN_LENGTH} characters long. ${TOKEN_HINT}`,
    );
  }
  const secrets = deriveSecrets(options.token);
  const server = createServer((req, res) => {
    handle(req, res, options, secrets).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: (err as Error).message });
      else res.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_CODEC_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

interface Secrets {
  tokenDigest: Buffer;
  session: string;
}

function deriveSecrets(token: string): Secrets {
  return {
    tokenDigest: sha256(token),
    // The cookie holds a value derived from the token, not the token itself.
    session: createHmac('sha256', token).update('durable-agent codec session v1').digest('base64url'),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: CodecServerOptions,
  secrets: Secrets,
): Promise<void> {
  const origin = req.headers.origin;
  const allowedOrigin = origin !== undefined && options.corsOrigins.includes(origin) ? origin : undefined;
  res.setHeader('Vary', 'Origin');
  if (allowedOrigin) {
    res.setHeader('Access-Control-Allow-Origin', allowedOrigin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
  }
  const path = new URL(req.url ?? '/', 'http://codec.invalid').pathname;
  // The protocol routes on the last path segment only, so the server can sit under any prefix.
  const action = path.replace(/\/+$/, '').split('/').pop() ?? '';

  if (req.method === 'OPTIONS') return preflight(req, res, origin, allowedOrigin, options);
  if (action === 'login') return login(req, res, secrets);
  if (action !== 'encode' && action !== 'decode') {
    return sendJson(res, 404, {
      error: `Nothing at ${path}. The codec server answers POST …/encode and …/decode.`,
    });
  }
  if (req.method !== 'POST') {
    res.setHeader('Allow', ALLOWED_METHODS);
    return sendJson(res, 405, { error: `${action} takes POST.` });
  }
  // A cookie is sent by any page the browser visits, so it only counts from allowed origins (or none, i.e. not a browser page).
  const cookieCounts = origin === undefined || allowedOrigin !== undefined;
  if (!hasBearer(req, secrets) && !(cookieCounts && hasSession(req, secrets))) {
    res.setHeader('WWW-Authenticate', 'Bearer');
    return sendJson(res, 401, {
      error:
        'Send "Authorization: Bearer <token>", or sign in at …/login so the browser holds the session cookie.',
    });
  }
  // X-Namespace is accepted and not needed: the keys are the same for every namespace.
  let body: unknown;
  try {
    body = JSON.parse((await readBody(req, options.maxBodyBytes ?? 32 * 1024 * 1024)).toString('utf8'));
  } catch (err) {
    if (err instanceof BodyTooLarge) {
      res.setHeader('Connection', 'close');
      return sendJson(res, 413, { error: err.message });
    }
    return sendJson(res, 400, { error: `The body is not JSON (${(err as Error).message}).` });
  }
  let payloads: Payload[];
  try {
    payloads = payloadsFromJson(body);
  } catch (err) {
    return sendJson(res, 400, { error: (err as Error).message });
  }
  try {
    const result =
      action === 'encode'
        ? await encodeWithCodecs(options.codecs, payloads)
        : await decodeWithCodecs(options.codecs, payloads);
    sendJson(res, 200, payloadsToJson(result));
  } catch (err) {
    if (!(err instanceof CodecError)) throw err;
    sendJson(res, 422, { error: err.message, type: err.type });
  }
}

function preflight(
  req: IncomingMessage,
  res: ServerResponse,
  origin: string | undefined,
  allowedOrigin: string | undefined,
  options: CodecServerOptions,
): void {
  if (!allowedOrigin) {
    const allowed = options.corsOrigins.join(', ') || 'none';
    res.writeHead(403, { 'Content-Type': 'text/plain' });
    res.end(
      `Origin ${origin ?? '(none)'} is not allowed (allowed: ${allowed}). Add it to ${CODEC_SERVER_ENV.corsOrigins}.\n`,
    );
    return;
  }
  res.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS);
  res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
  res.setHeader('Access-Control-Max-Age', '600');
  // Chrome's Private Network Access asks before a public page may call a loopback server.
  if (req.headers['access-control-request-private-network'] === 'true') {
    res.setHeader('Access-Control-Allow-Private-Network', 'true');
  }
  res.writeHead(204);
  res.end();
}

async function login(req: IncomingMessage, res: ServerResponse, secrets: Secrets): Promise<void> {
  if (req.method === 'GET') return sendHtml(res, 200, loginPage(''));
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'GET, POST');
    return sendHtml(res, 405, loginPage('Sign in with the form below.'));
  }
  let token = '';
  try {
    token = new URLSearchParams((await readBody(req, 4096)).toString('utf8')).get('token')?.trim() ?? '';
  } catch {
    res.setHeader('Connection', 'close');
    return sendHtml(res, 413, loginPage('That is too long to be the token.'));
  }
  if (!sameDigest(sha256(token), secrets.tokenDigest)) {
    return sendHtml(res, 401, loginPage('That is not the token this codec server was started with.'));
  }
  // SameSite=Strict: only pages on this site (the Web UI on localhost, any port) ever send the cookie.
  res.setHeader(
    'Set-Cookie',
    `${SESSION_COOKIE}=${secrets.session}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_SECONDS}`,
  );
  sendHtml(
    res,
    200,
    page(
      '<p>Signed in for 12 hours. In the Temporal Web UI, open the codec server settings, set the endpoint to ' +
        'this server’s address and turn on <b>Include cross-origin credentials</b>: payloads show decrypted.</p>',
    ),
  );
}

function hasBearer(req: IncomingMessage, secrets: Secrets): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1] !== undefined && sameDigest(sha256(match[1].trim()), secrets.tokenDigest);
}

function hasSession(req: IncomingMessage, secrets: Secrets): boolean {
  const cookies = (req.headers.cookie ?? '').split(';').map((c) => c.trim());
  const value = cookies.find((c) => c.startsWith(`${SESSION_COOKIE}=`))?.slice(SESSION_COOKIE.length + 1);
  return value !== undefined && sameDigest(sha256(value), sha256(secrets.session));
}

// Comparing fixed-length digests in constant time leaks neither the token nor its length.
function sameDigest(a: Buffer, b: Buffer): boolean {
  return timingSafeEqual(a, b);
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge(`The body is larger than ${limit} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
  });
  res.end(html);
}

function loginPage(message: string): string {
  return page(
    `${message ? `<p><b>${message}</b></p>` : ''}` +
      '<form method="post"><label>Codec server token <input type="password" name="token" autofocus></label> ' +
      '<button>Sign in</button></form>',
  );
}

function page(body: string): string {
  return `<!doctype html><meta charset="utf-8"><title>durable-agent codec server</title><h1>durable-agent codec server</h1>${body}\n`;
}

/** Starts a codec server configured from the environment (names in `CODEC_SERVER_ENV` and `ENCRYPTION_ENV`). */
export async function runCodecServerFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = console.log,
): Promise<CodecServer> {
  const settings = resolveSettings(env, [
    ...Object.values(CODEC_SERVER_ENV),
    ...Object.values(ENCRYPTION_ENV),
  ]);
  const token = settings[CODEC_SERVER_ENV.token];
  if (!token) {
    throw new Error(
      `${CODEC_SERVER_ENV.token} is not set. The codec server decrypts payloads for whoever presents this token, ` +
        `so it does not start without one. ${TOKEN_HINT} Set it, e.g. ` +
        `\`export ${CODEC_SERVER_ENV.token}=$(openssl rand -hex 32)\`, and give it only to people who may read payloads.`,
    );
  }
  const codecs = codecsOf(settings);
  if (codecs.length === 0) {
    throw new Error(
      `${ENCRYPTION_ENV.key} is not set. The codec server needs the same keys as the workers ` +
        `(${ENCRYPTION_ENV.key}, ${ENCRYPTION_ENV.keyId}, ${ENCRYPTION_ENV.oldKeys}). ${KEY_HINT}`,
    );
  }
  const corsOrigins = (settings[CODEC_SERVER_ENV.corsOrigins] ?? DEFAULT_CORS_ORIGINS.join(','))
    .split(',')
    .map((o) => o.trim().replace(/\/$/, ''))
    .filter((o) => o !== '');
  const server = await startCodecServer({
    codecs,
    token,
    corsOrigins,
    port: parsePort(settings[CODEC_SERVER_ENV.port]),
    host: settings[CODEC_SERVER_ENV.host]?.trim() || '127.0.0.1',
  });
  log(
    `durable-agent codec server on ${server.url} (POST /encode, /decode; sign in for the Web UI at ${server.url}/login); ` +
      `CORS origins: ${corsOrigins.join(', ') || 'none'}.`,
  );
  return server;
}

function parsePort(text: string | undefined): number {
  if (text === undefined || text.trim() === '') return DEFAULT_CODEC_PORT;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${CODEC_SERVER_ENV.port} must be a port number (0–65535), not "${text}".`);
  }
  return port;
}

if (require.main === module) {
  runCodecServerFromEnv().catch((err: unknown) => {
    console.error(`durable-agent codec server: ${(err as Error).message}`);
    process.exit(1);
  });
}
