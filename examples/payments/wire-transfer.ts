import { z } from 'zod';
import { defineTool } from '../../src';
import {
  amountCents,
  chargeRequest,
  currencyCode,
  findChargesByReference,
  postCharge,
} from './ledger-client';

/**
 * Sends a wire transfer through a legacy bank API (played by the ledger server at LEDGER_URL) that has no
 * idempotency keys: every request that arrives moves money. So the tool is `unsafe`: one attempt, never
 * retried. It tags the transfer with the run's idempotency key as its reference, so that when an attempt is
 * lost (it timed out, or its worker died) `reconcile` can look the transfer up and say whether it went out.
 */
export default defineTool({
  name: 'send_wire_transfer',
  description:
    "Send a wire transfer from a customer's account and return the bank's record of it. " +
    'Use it only when the user explicitly asks to wire money, with the customer, amount and purpose given. ' +
    'Do not use it to charge a card (use charge_card), and never call it again for the same transfer after ' +
    'an error or an unknown outcome: the bank cannot detect duplicates, so a second call sends the money ' +
    'twice. Tell the user what happened instead. Amounts are whole cents (12.50 USD is 1250).',
  input: z.object({
    customer_id: z
      .string()
      .min(1)
      .max(255)
      .describe('The customer whose account the money leaves, e.g. "cus_1042".'),
    amount_cents: amountCents,
    currency: currencyCode,
    description: z
      .string()
      .min(1)
      .max(1000)
      .describe('Beneficiary and purpose of the transfer, as the bank should record it.'),
  }),
  effect: 'unsafe',
  timeout: '10s',
  async run(input, { idempotencyKey, signal }) {
    // No Idempotency-Key header: the legacy API would ignore it. The reference is only for finding the
    // transfer afterwards; it does not stop a duplicate.
    return postCharge({ ...chargeRequest(input), reference: idempotencyKey }, { signal });
  },
  async reconcile(idempotencyKey, { signal }) {
    const [transfer] = await findChargesByReference(idempotencyKey, signal);
    return transfer ? { happened: true, result: transfer } : { happened: false };
  },
});
