// The payment demo's tools, loadable with DURABLE_AGENT_TOOLS=examples/payments/index.ts. They need the
// ledger server: run `npx tsx examples/payments/server.ts` and set LEDGER_URL on the worker to the URL it
// prints. LEDGER_DELAY_MS=15000 on the server makes every call outlive the tools' 10 s timeout: charge_card
// is retried with the same key and charges once; send_wire_transfer ends outcome_unknown and is reconciled.
import chargeCard from './charge-card';
import wireTransfer from './wire-transfer';

/** The payment tools: one idempotent, one unsafe with reconcile. */
export default [chargeCard, wireTransfer];
