// The payment tools' HTTP client for the ledger server. It decides which failures are worth retrying:
// a refusal (4xx) is final, a failing or unreachable ledger (5xx, network) may recover.
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { outcomeUnknown } from '../../src';
import type { Charge, ChargeRequest } from './ledger';
import type { LedgerErrorBody } from './server';

/** Stable `type` strings of the errors the payment tools throw. */
export const PaymentErrorType = {
  /** The ledger refused the request (4xx): sending the same request again cannot succeed. */
  Rejected: 'PaymentRejected',
  /** LEDGER_URL is not set on the worker. */
  NotConfigured: 'LedgerNotConfigured',
} as const;

/** A charge as the tools send it; the idempotency key travels in a header, not the body. */
export type ChargeBody = Omit<ChargeRequest, 'idempotencyKey'>;

/** The ledger's base URL from LEDGER_URL; without it no attempt can succeed, so that error is final. */
export function ledgerUrl(): string {
  const url = process.env.LEDGER_URL?.trim();
  if (!url) {
    throw ApplicationFailure.nonRetryable(
      'LEDGER_URL is not set on the worker: start the ledger with `npx tsx examples/payments/server.ts` ' +
        'and set LEDGER_URL to the URL it prints (for example http://127.0.0.1:4242), then restart the worker.',
      PaymentErrorType.NotConfigured,
    );
  }
  return url.replace(/\/+$/, '');
}

/** POSTs a charge; with `idempotencyKey`, the ledger returns the earlier charge instead of charging twice. */
export async function postCharge(
  body: ChargeBody,
  options: { signal: AbortSignal; idempotencyKey?: string },
): Promise<Charge> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
  return (await request('/v1/charges', {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    signal: options.signal,
  })) as Charge;
}

/** The charges recorded with this reference, oldest first. */
export async function findChargesByReference(reference: string, signal: AbortSignal): Promise<Charge[]> {
  const found = (await request(`/v1/charges?reference=${encodeURIComponent(reference)}`, {
    method: 'GET',
    signal,
  })) as { data: Charge[] };
  return found.data;
}

async function request(pathAndQuery: string, init: RequestInit & { signal: AbortSignal }): Promise<unknown> {
  const base = ledgerUrl();
  let status: number;
  let text: string;
  try {
    const response = await fetch(`${base}${pathAndQuery}`, init);
    status = response.status;
    text = await response.text();
  } catch (err) {
    // Cancelled or timed out: rethrow as is, so the runtime reports the abort and not a network error.
    if (init.signal.aborted) throw err;
    const failure = networkFailure(base, err);
    // A request that may have arrived is in doubt: for the unsafe wire transfer the runtime then reconciles.
    throw failure.inDoubt ? outcomeUnknown(failure.message) : new Error(failure.message);
  }

  if (status >= 200 && status < 300) {
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`the ledger at ${base} answered ${status} with a body that is not JSON`);
    }
  }
  const { type, message } = errorFrom(text, status);
  // 408 and 429 are refusals of the moment, not of the request: worth retrying like a 5xx.
  if (status >= 500 || status === 408 || status === 429) {
    throw new Error(`the ledger at ${base} failed (${status} ${type}): ${message}`);
  }
  throw ApplicationFailure.nonRetryable(
    `the ledger refused the request (${status} ${type}): ${message}`,
    PaymentErrorType.Rejected,
  );
}

function errorFrom(text: string, status: number): { type: string; message: string } {
  try {
    const { error } = JSON.parse(text) as Partial<LedgerErrorBody>;
    if (error && typeof error.type === 'string' && typeof error.message === 'string') return error;
  } catch {
    // not one of the ledger's own error bodies (a proxy's page, say): report the raw text below
  }
  return { type: `HTTP ${status}`, message: text.slice(0, 200) || '(empty body)' };
}

// Whether the request can have reached the ledger matters to the caller of an unsafe tool: a refused
// connection sent nothing, a connection lost midway may have been charged.
function networkFailure(base: string, err: unknown): { message: string; inDoubt: boolean } {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const detail = code ?? (typeof cause?.message === 'string' ? cause.message : String(err));
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return {
      message: `cannot connect to the ledger at ${base} (${detail}); nothing was sent`,
      inDoubt: false,
    };
  }
  return {
    message: `the connection to the ledger at ${base} failed (${detail}); the request may or may not have been processed`,
    inDoubt: true,
  };
}

/** Amount in whole cents, as both payment tools take it. */
export const amountCents = z
  .number()
  .int()
  .positive()
  .describe('Amount in the smallest unit of the currency: 1250 is 12.50 USD.');

/** A three-letter ISO 4217 currency code. */
export const currencyCode = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'a three-letter ISO 4217 code')
  .describe('Three-letter ISO 4217 currency code, e.g. "EUR".');

/** The ledger's charge request from a payment tool's input. */
export function chargeRequest(input: {
  customer_id: string;
  amount_cents: number;
  currency: string;
  description: string;
}): ChargeRequest {
  return {
    customerId: input.customer_id,
    amountCents: input.amount_cents,
    currency: input.currency,
    description: input.description,
  };
}
