import { z } from 'zod';
import { defineTool } from '../../src';
import { amountCents, chargeRequest, currencyCode, postCharge } from './ledger-client';

/**
 * Charges a customer's card on file through the ledger server (LEDGER_URL). Idempotent: the run's
 * idempotency key goes in the `Idempotency-Key` header, so a retried attempt, on this worker or another,
 * gets the first attempt's charge back instead of charging again.
 */
export default defineTool({
  name: 'charge_card',
  description:
    'Charge the card on file of a customer and return the charge (id, amount, currency, time). ' +
    'Use it when the user asks to charge a customer a known amount, for example for an order or a fee. ' +
    'Do not use it to pay someone or move money to another bank (use send_wire_transfer), to look up ' +
    'past charges, or when the amount or customer is unclear: ask first. ' +
    'Amounts are whole cents (12.50 USD is 1250). Retrying this call never charges twice; ' +
    'a refusal (PaymentRejected) is final, so tell the user instead of calling again.',
  input: z.object({
    customer_id: z.string().min(1).max(255).describe('The customer to charge, e.g. "cus_1042".'),
    amount_cents: amountCents,
    currency: currencyCode,
    description: z.string().min(1).max(1000).describe('What the charge is for; it appears on the statement.'),
  }),
  effect: 'idempotent',
  timeout: '10s',
  async run(input, { idempotencyKey, signal }) {
    return postCharge(chargeRequest(input), { idempotencyKey, signal });
  },
});
