// Two tools, written against the published package on plain Node (no TypeScript, no tsx).
const { defineTool, outcomeUnknown } = require('durable-agent');
const { z } = require('zod');

/** A read: no side effect, retried freely. */
const lookUpInvoice = defineTool({
  name: 'look_up_invoice',
  description: 'Looks up an invoice by its number. Use it before paying one.',
  input: z.object({ invoice: z.string().describe('the invoice number, such as INV-7') }),
  effect: 'read',
  run: async ({ invoice }) => ({ invoice, amountCents: 12_50, payee: 'ACME' }),
});

/**
 * A payment that must not happen twice. When the bank's answer is lost, the tool cannot know whether the money
 * moved: outcomeUnknown() says so, and the run ends needs_attention instead of retrying or claiming success.
 */
const payInvoice = defineTool({
  name: 'pay_invoice',
  description: 'Pays an invoice once. Use only after looking it up.',
  input: z.object({ invoice: z.string() }),
  effect: 'unsafe',
  run: async ({ invoice }, ctx) => {
    throw outcomeUnknown(`the bank did not answer for ${invoice} (key ${ctx.idempotencyKey})`);
  },
});

module.exports = [lookUpInvoice, payInvoice];
