// Unit tests: no workers, no servers. How Messages API errors map to typed, retryable or final failures.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { classifyClaudeError, retryAfter, toClaudeFailure } from '../../src/activities/claude-errors';

function apiError(status: number, type: string, headers: Record<string, string> = {}) {
  return Anthropic.APIError.generate(
    status,
    { type: 'error', error: { type, message: `${type} happened` } },
    undefined,
    new Headers(headers),
  );
}

describe('Claude error classification', () => {
  const cases: Array<[number, string, string, boolean]> = [
    [400, 'invalid_request_error', 'ClaudeBadRequest', false],
    [401, 'authentication_error', 'ClaudeAuthentication', false],
    [403, 'permission_error', 'ClaudePermissionDenied', false],
    [404, 'not_found_error', 'ClaudeNotFound', false],
    [408, 'timeout_error', 'ClaudeRequestTimeout', true],
    [409, 'conflict_error', 'ClaudeConflict', true],
    [413, 'request_too_large', 'ClaudeRequestTooLarge', false],
    [429, 'rate_limit_error', 'ClaudeRateLimited', true],
    [500, 'api_error', 'ClaudeServerError', true],
    [503, 'api_error', 'ClaudeServerError', true],
    [529, 'overloaded_error', 'ClaudeOverloaded', true],
  ];
  for (const [status, bodyType, type, retryable] of cases) {
    it(`${status} is ${type}, ${retryable ? 'retried' : 'not retried'}`, () => {
      const c = classifyClaudeError(apiError(status, bodyType));
      assert.equal(c.type, type);
      assert.equal(c.retryable, retryable);
      assert.match(c.message, new RegExp(`${bodyType} happened`));
    });
  }

  it('classifies an error event inside a 200 stream by its body type', () => {
    const body = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    const c = classifyClaudeError(new Anthropic.APIError(undefined, body, undefined, new Headers()));
    assert.equal(c.type, 'ClaudeOverloaded');
    assert.equal(c.retryable, true);
  });

  it('retries timeouts and connection errors', () => {
    assert.equal(classifyClaudeError(new Anthropic.APIConnectionTimeoutError()).type, 'ClaudeTimeout');
    const conn = classifyClaudeError(new Anthropic.APIConnectionError({ message: 'socket hang up' }));
    assert.equal(conn.type, 'ClaudeConnectionError');
    assert.equal(conn.retryable, true);
  });

  it('tells a person what to do about a bad API key', () => {
    assert.match(classifyClaudeError(apiError(401, 'authentication_error')).message, /ANTHROPIC_API_KEY/);
  });

  it('honours retry-after as the next retry delay', () => {
    const failure = toClaudeFailure(apiError(429, 'rate_limit_error', { 'retry-after': '7' }));
    assert.equal(failure.type, 'ClaudeRateLimited');
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.nextRetryDelay, 7000);
    assert.equal(toClaudeFailure(apiError(400, 'invalid_request_error')).nonRetryable, true);
  });

  it('reads retry-after-ms, seconds and HTTP dates', () => {
    assert.equal(retryAfter(new Headers({ 'retry-after-ms': '250' })), 250);
    assert.equal(retryAfter(new Headers({ 'retry-after': '1.5' })), 1500);
    const now = Date.parse('2026-11-21T10:00:00Z');
    assert.equal(retryAfter(new Headers({ 'retry-after': 'Sat, 21 Nov 2026 10:00:30 GMT' }), now), 30_000);
    assert.equal(retryAfter(new Headers({})), undefined);
    assert.equal(retryAfter(new Headers({ 'retry-after': 'soon' })), undefined);
  });

  it('obeys x-should-retry over the status, as the SDK does', () => {
    const retried = toClaudeFailure(apiError(400, 'invalid_request_error', { 'x-should-retry': 'true' }));
    assert.equal(retried.type, 'ClaudeBadRequest');
    assert.equal(retried.nonRetryable, false);
    const final = toClaudeFailure(apiError(529, 'overloaded_error', { 'x-should-retry': 'false' }));
    assert.equal(final.type, 'ClaudeOverloaded');
    assert.equal(final.nonRetryable, true);
    assert.equal(toClaudeFailure(apiError(422, 'invalid_request_error')).nonRetryable, true);
  });

  it('keeps the class of a 400 whose error body is megabytes, and a short message', () => {
    const huge = 'x'.repeat(5 * 1024 * 1024);
    const err = Anthropic.APIError.generate(
      400,
      { type: 'error', error: { type: 'invalid_request_error', message: huge } },
      undefined,
      new Headers(),
    );
    const failure = toClaudeFailure(err);
    assert.equal(failure.type, 'ClaudeBadRequest');
    assert.equal(failure.nonRetryable, true);
    assert.ok(failure.message.length < 10_000, `message is ${failure.message.length} characters`);
    assert.match(failure.message, /more characters/);
    assert.equal(failure.cause, undefined);
  });

  it('quotes the request-id in the message and the failure details', () => {
    const failure = toClaudeFailure(apiError(500, 'api_error', { 'request-id': 'req_0123abc' }));
    assert.match(failure.message, /request-id: req_0123abc/);
    assert.deepEqual(failure.details, [{ status: 500, requestId: 'req_0123abc', retryAt: null }]);
  });

  it('caps retry-after at the setting and says until when the run waits', () => {
    const now = Date.parse('2026-11-21T10:00:00Z');
    const err = apiError(429, 'rate_limit_error', { 'retry-after': '3600' });
    const failure = toClaudeFailure(err, { maxRetryAfterMs: 60_000, now });
    assert.equal(failure.nextRetryDelay, 60_000);
    assert.match(
      failure.message,
      /Waiting until 2026-11-21T10:01:00.000Z \(the API asked for 3600s; capped at 60s/,
    );
    assert.match(failure.message, /DURABLE_AGENT_MAX_RETRY_AFTER_SECONDS/);
    assert.deepEqual(failure.details, [
      { status: 429, requestId: null, retryAt: '2026-11-21T10:01:00.000Z' },
    ]);
    assert.equal(toClaudeFailure(err, { maxRetryAfterMs: 7_200_000, now }).nextRetryDelay, 3_600_000);
  });
});
