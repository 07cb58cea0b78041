// Maps Anthropic SDK errors to ApplicationFailures typed per class. Temporal's retry policy is the only retry
// layer (the SDK runs with maxRetries: 0), so this mapping decides what is retried and how soon.
import Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure } from '@temporalio/common';
import { ClaudeErrorType } from '../shared';
import { parsePromptTooLong } from './prompt-too-long';
import type { PromptTooLong } from './prompt-too-long';

type Classified = {
  type: string;
  retryable: boolean;
  message: string;
  retryAfterMs?: number;
  /** The API's `request-id`, which support asks for. */
  requestId?: string;
  status?: number;
  /** For ClaudePromptTooLong: the request's tokens and the window, as the API reported them. */
  tooLong?: PromptTooLong;
};

// An error body can be megabytes (one was 5 MiB); the part a person reads fits in far less, and a failure that
// large would be refused by the server and come back as a timeout, retried as if the error were transient.
const DETAIL_LIMIT_CHARS = 2_000;

/** What the failure carries besides its message, for scripts and support. */
interface ClaudeFailureDetails {
  status: number | null;
  requestId: string | null;
  /** When the next attempt starts, if the API asked for a delay (ISO 8601): the run waits until then. */
  retryAt: string | null;
  /** Set on ClaudePromptTooLong: the request's tokens and the model's window, as the API reported them. */
  promptTokens?: number;
  windowTokens?: number;
}

/** Turns any error thrown by a Messages API call into a typed ApplicationFailure. */
export function toClaudeFailure(
  err: unknown,
  options: { maxRetryAfterMs?: number; now?: number } = {},
): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const c = classifyClaudeError(err);
  const delay = retryDelay(c, options.maxRetryAfterMs ?? Infinity);
  const retryAt =
    delay && c.retryable ? new Date((options.now ?? Date.now()) + delay.ms).toISOString() : null;
  const details: ClaudeFailureDetails = {
    status: c.status ?? null,
    requestId: c.requestId ?? null,
    retryAt,
    ...(c.tooLong ?? {}),
  };
  const message = [
    c.message,
    ...(retryAt ? [`Waiting until ${retryAt}${delay?.note ?? ''}.`] : []),
    ...(c.requestId ? [`(request-id: ${c.requestId})`] : []),
  ].join(' ');
  // The SDK error is not kept as the cause: its message and stack repeat the whole error body.
  return ApplicationFailure.create({
    type: c.type,
    message,
    nonRetryable: !c.retryable,
    details: [details],
    ...(delay ? { nextRetryDelay: delay.ms } : {}),
  });
}

// A retry-after of an hour would hold the run without a sign for that long; past the cap the retry policy's
// bounded attempts decide instead.
function retryDelay(c: Classified, maxMs: number): { ms: number; note?: string } | undefined {
  if (c.retryAfterMs === undefined) return undefined;
  if (c.retryAfterMs <= maxMs) return { ms: c.retryAfterMs };
  return {
    ms: maxMs,
    note: ` (the API asked for ${c.retryAfterMs / 1000}s; capped at ${maxMs / 1000}s by DURABLE_AGENT_MAX_RETRY_AFTER_SECONDS)`,
  };
}

/** Classifies an SDK error: its stable type, whether retrying can help, and an actionable message. */
export function classifyClaudeError(err: unknown): Classified {
  const c = classifyByStatus(err);
  if (!(err instanceof Anthropic.APIError)) return c;
  const requestId = err.requestID ?? undefined;
  // The API's own word on retrying wins over the status (the SDK's rule).
  const header = err.headers?.get('x-should-retry');
  const retryable = header === 'true' ? true : header === 'false' ? false : c.retryable;
  return {
    ...c,
    retryable,
    ...(requestId ? { requestId } : {}),
    ...(err.status !== undefined ? { status: err.status } : {}),
  };
}

function classifyByStatus(err: unknown): Classified {
  if (err instanceof Anthropic.APIConnectionTimeoutError) {
    return {
      type: ClaudeErrorType.Timeout,
      retryable: true,
      message: 'The Messages API did not answer in time; retrying.',
    };
  }
  if (err instanceof Anthropic.APIConnectionError) {
    return {
      type: ClaudeErrorType.ConnectionError,
      retryable: true,
      message: `Could not reach the Messages API (${err.message}); retrying. Check ANTHROPIC_BASE_URL and the network if this persists.`,
    };
  }
  if (!(err instanceof Anthropic.APIError)) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      type: ClaudeErrorType.ServerError,
      retryable: true,
      message: `Unexpected error calling the Messages API: ${truncate(message)}`,
    };
  }
  const detail = truncate(err.apiMessage ?? err.message);
  const retryAfterMs = retryAfter(err.headers);
  const withDelay = (c: Classified): Classified => (retryAfterMs === undefined ? c : { ...c, retryAfterMs });
  // Errors sent inside a 200 stream have no status; their body type says what they are.
  const status = err.status ?? statusOfErrorType(err.type);
  switch (status) {
    case 400: {
      const tooLong = parsePromptTooLong(err.apiMessage ?? err.message);
      if (tooLong) {
        return {
          type: ClaudeErrorType.PromptTooLong,
          retryable: false,
          tooLong,
          message: `The request is larger than the model's context window (400): ${detail}. A run with context compaction on (the default) compacts and asks again; this run could not, so shorten the prompt or the tool results, or turn on "context.compaction".`,
        };
      }
      return {
        type: ClaudeErrorType.BadRequest,
        retryable: false,
        message: `The Messages API rejected the request (400): ${detail}. This is a bug in the request the run built, or in its input (messages, tools, model); fix it and start a new run.`,
      };
    }
    case 401:
      return {
        type: ClaudeErrorType.Authentication,
        retryable: false,
        message: `The Messages API rejected the API key (401): ${detail}. Set a valid ANTHROPIC_API_KEY for the worker and start the run again.`,
      };
    case 403:
      return {
        type: ClaudeErrorType.PermissionDenied,
        retryable: false,
        message: `The API key may not use this resource (403): ${detail}. Check the key's workspace and model access.`,
      };
    case 404:
      return {
        type: ClaudeErrorType.NotFound,
        retryable: false,
        message: `Not found (404): ${detail}. Check the model name and ANTHROPIC_BASE_URL.`,
      };
    case 408:
      return withDelay({
        type: ClaudeErrorType.RequestTimeout,
        retryable: true,
        message: `The Messages API timed out waiting for the request (408): ${detail}; retrying.`,
      });
    case 409:
      return withDelay({
        type: ClaudeErrorType.Conflict,
        retryable: true,
        message: `The Messages API reported a conflict (409): ${detail}; retrying.`,
      });
    case 413:
      return {
        type: ClaudeErrorType.RequestTooLarge,
        retryable: false,
        message: `The request is too large for the Messages API (413): ${detail}. Shorten the prompt or tool results.`,
      };
    case 429:
      return withDelay({
        type: ClaudeErrorType.RateLimited,
        retryable: true,
        message: `Rate limited by the Messages API (429): ${detail}; retrying after the delay it asked for.`,
      });
    case 529:
      return withDelay({
        type: ClaudeErrorType.Overloaded,
        retryable: true,
        message: `The Messages API is overloaded (529): ${detail}; retrying with backoff.`,
      });
    default:
      if (status !== undefined && status >= 500) {
        return withDelay({
          type: ClaudeErrorType.ServerError,
          retryable: true,
          message: `The Messages API failed (${status}): ${detail}; retrying with backoff.`,
        });
      }
      if (status !== undefined && status >= 400) {
        return {
          type: ClaudeErrorType.BadRequest,
          retryable: false,
          message: `The Messages API rejected the request (${status}): ${detail}.`,
        };
      }
      return {
        type: ClaudeErrorType.ServerError,
        retryable: true,
        message: `The Messages API failed: ${detail}; retrying with backoff.`,
      };
  }
}

function truncate(text: string): string {
  if (text.length <= DETAIL_LIMIT_CHARS) return text;
  return `${text.slice(0, DETAIL_LIMIT_CHARS)}… (${text.length - DETAIL_LIMIT_CHARS} more characters)`;
}

function statusOfErrorType(type: string | null): number | undefined {
  switch (type) {
    case 'overloaded_error':
      return 529;
    case 'rate_limit_error':
      return 429;
    case 'api_error':
      return 500;
    case 'invalid_request_error':
      return 400;
    case 'authentication_error':
      return 401;
    case 'permission_error':
      return 403;
    case 'not_found_error':
      return 404;
    case 'request_too_large':
      return 413;
    default:
      return undefined;
  }
}

/** Delay the server asked for, from `retry-after-ms` or `retry-after` (seconds or an HTTP date). */
export function retryAfter(headers: Headers | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const raw = headers.get('retry-after');
  if (raw === null) return undefined;
  const seconds = Number.parseFloat(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
