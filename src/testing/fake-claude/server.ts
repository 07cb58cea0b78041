import { PromptCache } from './prompt-cache';
import { Provenance } from './provenance';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiRejection } from './errors';
import { parseJson, readBody, recordableHeaders, sendJson } from './http';
import type { Exchange } from './play';
import { playTurn, sendError } from './play';
import { playContext } from './context-window';
import type { ContextPlay } from './context-window';
import type { IdSource } from './reply';
import { checkTurn, isFault } from './reply';
import type { MessageJson } from './reply';
import { describeQueue, ScriptBook } from './script';
import type {
  FakeClaude,
  FakeFault,
  FakeReply,
  FakeTurn,
  MessagesRequestBody,
  RecordedRequest,
  StartFakeClaudeOptions,
} from './types';
import type { Endpoint } from './validate';
import { firstUserText, validateBetaHeader, validateRequestBody } from './validate';
import { outputMisfit, validateOutputFormat } from './validate-output';

// `fake_` and these digits make the 24 characters that follow `msg_`, `toolu_` or `srvtoolu_` in a real ID.
const ID_DIGITS = 19;

const ROUTES: Readonly<Record<string, Endpoint>> = {
  '/v1/messages': 'messages',
  '/v1/messages/count_tokens': 'count_tokens',
};

/** Starts a fake Anthropic Messages API on 127.0.0.1 (a free port unless `port` is given). */
export async function startFakeClaude(options: StartFakeClaudeOptions = {}): Promise<FakeClaude> {
  const fake = new FakeClaudeServer();
  fake.contextWindows = options.contextWindows ?? {};
  await fake.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return fake;
}

/** The HTTP server behind `FakeClaude`; only `startFakeClaude` creates one. */
class FakeClaudeServer implements FakeClaude {
  url = '';
  /** Context windows by model name (see StartFakeClaudeOptions.contextWindows). */
  contextWindows: Readonly<Record<string, number>> = {};
  private readonly server: Server;
  private readonly scripts = new ScriptBook();
  private readonly log: RecordedRequest[] = [];
  private readonly unexpectedLog: RecordedRequest[] = [];
  /** Scripted functions that threw or returned something unusable; assertAllConsumed reports them. */
  private readonly problems: string[] = [];
  private readonly inFlight = new Set<AbortController>();
  private readonly idCounters = new Map<string, number>();
  /** Thinking signatures and server tool blocks this server played; kept across reset() like the ids. */
  private readonly provenance = new Provenance();
  /** The prompt cache model that fills in cache read and write tokens. */
  private readonly promptCache = new PromptCache();
  private readonly ids: IdSource = {
    next: (prefix) => {
      const n = (this.idCounters.get(prefix) ?? 0) + 1;
      this.idCounters.set(prefix, n);
      // As long as the API's own IDs (a prefix and 24 characters), so what runs record is as large as real.
      return `${prefix}${String(n).padStart(ID_DIGITS, '0')}`;
    },
  };
  private seq = 0;
  private closing = false;

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  get requests(): RecordedRequest[] {
    return this.log;
  }

  get unexpected(): RecordedRequest[] {
    return this.unexpectedLog;
  }

  /** Binds the socket and fills in `url`. */
  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    const hostPart = address.address.includes(':') ? `[${address.address}]` : address.address;
    this.url = `http://${hostPart}:${address.port}`;
  }

  script(turns: FakeTurn[], options: { match?: string } = {}): void {
    this.scripts.add(turns, options.match ?? null);
  }

  assertAllConsumed(): void {
    const lines = [
      ...this.scripts.leftovers(),
      ...this.unexpectedLog.map((r) => `request #${r.seq} found no turn: ${r.response.message ?? ''}`),
      ...this.problems,
    ];
    if (lines.length > 0) {
      throw new Error(
        `fake-claude: the script and the requests did not line up:\n  - ${lines.join('\n  - ')}`,
      );
    }
  }

  reset(): void {
    this.scripts.clear();
    this.log.length = 0;
    this.unexpectedLog.length = 0;
    this.problems.length = 0;
    this.seq = 0;
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const controller of this.inFlight) controller.abort();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // Keep-alive sockets would otherwise hold close() open until the client lets go.
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const seq = ++this.seq;
    const url = new URL(req.url ?? '/', 'http://fake-claude');
    const record: RecordedRequest = {
      seq,
      method: req.method ?? 'GET',
      path: url.pathname,
      headers: recordableHeaders(req.headers),
      body: null,
      receivedAt: Date.now(),
      match: null,
      response: { status: 0, stream: false },
      aborted: false,
    };
    this.log.push(record);
    const controller = new AbortController();
    this.inFlight.add(controller);
    const exchange: Exchange = {
      req,
      res,
      record,
      requestId: `req_fake_${seq}`,
      signal: controller.signal,
      dropped: false,
    };
    res.on('close', () => {
      if (!res.writableFinished && !exchange.dropped && !this.closing) record.aborted = true;
      controller.abort();
      this.inFlight.delete(controller);
    });
    try {
      await this.serve(exchange);
    } catch (error) {
      // A bug in the fake must fail the test that hit it, not crash the process running every other test.
      const message = `fake-claude: internal error: ${error instanceof Error ? error.message : String(error)}`;
      this.problems.push(`request #${seq}: ${message}`);
      if (!res.headersSent && !controller.signal.aborted) sendError(exchange, 500, 'api_error', message);
      else res.destroy();
    }
  }

  private async serve(exchange: Exchange): Promise<void> {
    const { req, record } = exchange;
    const text = await readBody(req);
    if (text === null || exchange.signal.aborted) return;
    const parsed = text === '' ? undefined : parseJson(text);
    record.body = parsed ? parsed.value : null;

    const endpoint = record.method === 'POST' ? ROUTES[record.path] : undefined;
    if (!endpoint) {
      return sendError(exchange, 404, 'not_found_error', `Not found: ${record.method} ${record.path}`);
    }
    const headers = req.headers;
    const bearer = /^Bearer \S+/.test(headers.authorization ?? '');
    if (!headers['x-api-key'] && !bearer) {
      return sendError(exchange, 401, 'authentication_error', 'x-api-key header is required');
    }
    if (!headers['anthropic-version']) {
      return sendError(exchange, 400, 'invalid_request_error', 'anthropic-version: header is required');
    }
    if (!parsed) {
      return sendError(
        exchange,
        400,
        'invalid_request_error',
        'There was an issue with the request body: it is not valid JSON',
      );
    }

    let body;
    let context: ContextPlay;
    try {
      const betas = validateBetaHeader(headers['anthropic-beta']);
      body = validateRequestBody(parsed.value, endpoint, { betas, provenance: this.provenance });
      context = playContext(body, headers['anthropic-beta'], this.contextWindows, endpoint);
    } catch (error) {
      if (!(error instanceof ApiRejection)) throw error;
      return sendError(exchange, error.status, error.errorType, error.message);
    }
    if (endpoint === 'count_tokens') {
      record.response = { status: 200, stream: false };
      const tokens = {
        input_tokens: context.inputTokens,
        ...(context.appliedEdits
          ? { context_management: { original_input_tokens: context.originalInputTokens } }
          : {}),
      };
      return sendJson(exchange.res, 200, tokens, { 'request-id': exchange.requestId });
    }

    const userText = firstUserText(body);
    const routed = this.scripts.take(userText);
    if (routed.turn === undefined) {
      this.unexpectedLog.push(record);
      const message =
        `fake-claude: no scripted turn left for request #${record.seq} (${describeQueue(routed.match)}; ` +
        `first user message ${JSON.stringify(userText.slice(0, 80))}; ${this.scripts.summary()})`;
      return sendError(exchange, 400, 'invalid_request_error', message);
    }
    record.match = routed.match;
    const turn = this.resolveTurn(routed.turn, body, record.seq);
    if (typeof turn === 'string') return sendError(exchange, 500, 'api_error', turn);
    const misfit =
      stopSequenceMisfit(turn, body, record.seq) ??
      outputMisfit(turn, body, validateOutputFormat(body), record.seq);
    if (misfit) {
      this.problems.push(misfit);
      return sendError(exchange, 500, 'api_error', misfit);
    }
    await playTurn(exchange, turn, context.body, this.ids, this.promptCache, this.provenance, (message) =>
      withContextEdits(message, context),
    );
  }

  /** Runs a dynamic turn; returns an error message (also kept for assertAllConsumed) if it misbehaves. */
  private resolveTurn(
    turn: FakeTurn,
    body: MessagesRequestBody,
    seq: number,
  ): FakeReply | FakeFault | string {
    if (typeof turn !== 'function') return turn;
    try {
      // A copy, so a function that mutates what it is given cannot rewrite the request log.
      const result = turn({ body: structuredClone(body), seq });
      checkTurn(result, `the turn function for request #${seq}`);
      return result;
    } catch (error) {
      const message = `fake-claude: scripted turn function failed for request #${seq}: ${error instanceof Error ? error.message : String(error)}`;
      this.problems.push(message);
      return message;
    }
  }
}

// The real API only ever reports a stop sequence the request asked for; a script that says otherwise would let
// a test pass against a reply the API cannot give.
function stopSequenceMisfit(
  turn: FakeReply | FakeFault,
  body: MessagesRequestBody,
  seq: number,
): string | undefined {
  if (isFault(turn) || turn.stopSequence === undefined) return undefined;
  const asked = Array.isArray(body['stop_sequences']) ? (body['stop_sequences'] as unknown[]) : [];
  if (asked.includes(turn.stopSequence)) return undefined;
  return `fake-claude: the turn for request #${seq} stops on ${JSON.stringify(turn.stopSequence)}, which is not one of the request's stop_sequences (${JSON.stringify(asked)})`;
}

// The reply to a request with context edits says which were applied, and starts with the compaction block
// when the server compacted.
function withContextEdits(message: MessageJson, context: ContextPlay): MessageJson {
  if (!context.appliedEdits) return message;
  return {
    ...message,
    content: context.compaction ? [context.compaction, ...message.content] : message.content,
    context_management: { applied_edits: context.appliedEdits },
  };
}
