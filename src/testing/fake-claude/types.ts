/** Options for `startFakeClaude`. */
export interface StartFakeClaudeOptions {
  /** Port to listen on; 0 (the default) lets the OS pick a free one. */
  port?: number;
  /** Interface to bind; defaults to 127.0.0.1 so the fake is never reachable from outside. */
  host?: string;
  /**
   * Context windows in tokens by model name. A request over its model's window (counted like count_tokens: four
   * characters of the JSON of system, tools and messages a token) gets the real API's 400 "prompt is too long:
   * N tokens > M maximum". A model named `claude-small-context-<N>` has a window of N tokens without this
   * option; other models are not limited.
   */
  contextWindows?: Record<string, number>;
}

/** A running fake of the Anthropic Messages API that replays scripted turns. */
export interface FakeClaude {
  /** Base URL to give the SDK / ANTHROPIC_BASE_URL, e.g. http://127.0.0.1:41234 (no trailing slash, no /v1). */
  readonly url: string;
  /**
   * Queue scripted turns, consumed in order, one per `POST /v1/messages`. With `match`, only requests whose
   * first user message contains that substring take turns from this script (the longest matching `match`
   * wins); without it, turns go to the default queue that serves every other request.
   */
  script(turns: FakeTurn[], options?: { match?: string }): void;
  /** Every request received, in arrival order (including rejected ones), JSON-only so tests can assert on it. */
  readonly requests: RecordedRequest[];
  /** Requests that found no scripted turn (each also got an error response). */
  readonly unexpected: RecordedRequest[];
  /** Throws an Error listing leftover turns per script, unexpected requests and turns that failed to build. */
  assertAllConsumed(): void;
  /** Clears scripts and the request log; generated ids keep counting so they stay unique per server. */
  reset(): void;
  /** Stops listening and cuts any reply still in flight. */
  close(): Promise<void>;
}

/** What the fake recorded about one HTTP request and the reply it gave. */
export interface RecordedRequest {
  /** 1-based arrival order. */
  seq: number;
  method: string;
  /** Path without the query string, e.g. `/v1/messages`. */
  path: string;
  /** Lower-cased names; credentials (`x-api-key`, `authorization`) are replaced by `<redacted>`. */
  headers: Record<string, string>;
  /** Parsed JSON body, or null when there was none or it was not JSON. */
  body: unknown;
  /** `Date.now()` when the request arrived. */
  receivedAt: number;
  /** `match` of the script that served it; null for the default queue or when no turn served it. */
  match: string | null;
  /** The reply; status 0 means the fake dropped the connection on purpose (a `drop` fault). */
  response: { status: number; stream: boolean; errorType?: string; message?: string };
  /** The client went away before the reply finished. */
  aborted: boolean;
  /** For a reply with `meet`: whether its group met (true) or the wait timed out (false). */
  met?: boolean;
  /** For a streamed reply: `Date.now()` when each text delta was written, in order. */
  textDeltaAt?: number[];
  /** For a streamed reply: `Date.now()` when its last event was written. */
  endedAt?: number;
}

/** One scripted answer to one `POST /v1/messages`: a reply, a fault, or a function that picks one. */
export type FakeTurn =
  FakeReply | FakeFault | ((request: { body: MessagesRequestBody; seq: number }) => FakeReply | FakeFault);

/** A content block of a scripted reply; tool_use ids may be omitted and are then generated. */
export type FakeContentBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id?: string; name: string; input: Record<string, unknown> }
  | Record<string, unknown>;

/**
 * A successful assistant message, sent as JSON or as an SSE stream depending on the request. Thinking blocks are
 * signed by the fake (any scripted `signature` is replaced) and redacted_thinking `data` sealed, so a request that
 * sends them back changed is refused as the real API refuses it; server_tool_use blocks without `id` get
 * `srvtoolu_fake_<n>`, and server tool blocks must come back exactly as played.
 */
export interface FakeReply {
  /** Reply content: a string is one text block. tool_use blocks without `id` get `toolu_fake_<n>` (n padded to a real ID's length), unique per server. */
  content: string | FakeContentBlock[];
  /**
   * Defaults to 'tool_use' when content has a tool_use block, 'stop_sequence' when `stopSequence` is set, else
   * 'end_turn'. One of end_turn, tool_use, max_tokens, stop_sequence, pause_turn, refusal,
   * model_context_window_exceeded.
   */
  stopReason?: string;
  /** The stop sequence that ended the reply. */
  stopSequence?: string;
  /**
   * Override usage; fields not given are estimated from the JSON size of the request and reply (4 chars/token).
   * `server_tool_use` defaults to the reply's server_tool_use blocks named web_search and web_fetch.
   */
  usage?: Partial<{
    input_tokens: number;
    output_tokens: number;
    cache_creation_input_tokens: number;
    cache_read_input_tokens: number;
    server_tool_use: Partial<{ web_search_requests: number; web_fetch_requests: number }>;
  }>;
  /** Wait this long before the first byte of the reply. */
  delayMs?: number;
  /** For streams, wait this long between SSE events. */
  chunkDelayMs?: number;
  /** For streams, how many deltas each text and thinking block is split into (default 3). */
  deltas?: number;
  /**
   * Hold the reply until `count` requests with the same `group` are held at once (then all are answered), or
   * until `timeoutMs` (default 10 s) passes. Proves calls were in flight together without timing them:
   * `RecordedRequest.met` says whether the group met.
   */
  meet?: { group: string; count: number; timeoutMs?: number };
}

/** A scripted failure instead of a reply. */
export type FakeFault =
  | {
      /** An HTTP error with the real API's error JSON. `errorType` defaults from the status (529 → overloaded_error). */
      fault: 'status';
      status: number;
      errorType?: string;
      message?: string;
      retryAfterSeconds?: number;
      retryAfterMs?: number;
      /** Extra response headers, e.g. `x-should-retry`. */
      headers?: Record<string, string>;
      delayMs?: number;
    }
  | {
      /** Destroy the socket without any reply, after `afterMs`. */
      fault: 'drop';
      afterMs?: number;
    }
  | {
      /**
       * HTTP 200 SSE, `afterEvents` ordinary events (default 1, the message_start), then an `error` event.
       * A non-streaming request gets the matching HTTP error instead (overloaded_error → 529).
       */
      fault: 'stream-error';
      errorType?: string;
      message?: string;
      afterEvents?: number;
    }
  | {
      /**
       * HTTP 200 SSE, `afterEvents` ordinary events (default 1, the message_start), then nothing more until the
       * client goes away: silence, or only `ping` events every `pingEveryMs`. A stalled upstream.
       */
      fault: 'stall';
      afterEvents?: number;
      pingEveryMs?: number;
    };

/** A message in a request body, as the fake has validated it. */
export interface RequestMessage {
  role: 'user' | 'assistant' | 'system';
  content: string | Array<Record<string, unknown>>;
}

/** A `POST /v1/messages` body that passed validation; fields the fake does not model stay as plain JSON. */
export interface MessagesRequestBody {
  model: string;
  /** Always present on /v1/messages; count_tokens requests have none. */
  max_tokens?: number;
  messages: RequestMessage[];
  system?: string | Array<Record<string, unknown>>;
  tools?: Array<Record<string, unknown>>;
  tool_choice?: Record<string, unknown>;
  stream?: boolean;
  [field: string]: unknown;
}
