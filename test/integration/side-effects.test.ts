// Integration tests: side effects across real crashes. Worker processes die by SIGKILL right after a charge
// and before the activity reports it; the payments ledger (a real HTTP service on loopback) is the truth.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startLedgerServer } from '../../examples/payments/server';
import type { LedgerServer } from '../../examples/payments/server';
import { awaitResult } from '../../src/client';
import type { MessageParam, ToolResultBlock } from '../../src/shared';
import { childWorkerSuite, readExecutions, waitFor } from '../helpers/child-worker';

const PAYMENT_TOOLS = path.resolve(__dirname, '..', '..', 'examples', 'payments', 'index.ts');
const suite = childWorkerSuite('side-effects');
let ledger: LedgerServer;

before(async () => {
  // Its own directory: root-level hooks of node:test do not wait for one another's set-up.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ledger-'));
  ledger = await startLedgerServer({ file: path.join(dir, 'ledger.json') });
});
after(async () => {
  await ledger?.close();
});

const worker = (log: string, extra: Record<string, string> = {}) =>
  suite.worker(log, { DURABLE_AGENT_TOOLS: PAYMENT_TOOLS, LEDGER_URL: ledger.url, ...extra });

function oneCall(match: string, id: string, name: string, input: Record<string, unknown>) {
  suite.env.fake.script([{ content: [{ type: 'tool_use', id, name, input }] }, { content: 'Reported.' }], {
    match,
  });
}

function toolResultSent(match: string): ToolResultBlock | undefined {
  const requests = suite.env.fake.requests.filter((r) => r.match === match);
  const messages = (requests[requests.length - 1]?.body as { messages: MessageParam[] }).messages;
  return (messages[messages.length - 1]?.content as ToolResultBlock[])[0];
}

const payment = (description: string) => ({
  customer_id: 'cus_1',
  amount_cents: 1250,
  currency: 'EUR',
  description,
});

describe('side effects across crashes', () => {
  it('an idempotent charge interrupted after it happened is retried with the same key: exactly one charge', async () => {
    const log = path.join(suite.dir, 'charge.jsonl');
    oneCall('charge then crash', 'toolu_charge_1', 'charge_card', payment('charge then crash'));
    const crashing = await worker(log, { CRASH_AFTER_TOOL: 'charge_card' });
    const handle = await suite.env.start({ prompt: 'Please charge then crash.' });
    await waitFor('the worker to die after the charge', () => crashing.process.signalCode === 'SIGKILL');
    await worker(log);
    const result = await awaitResult(handle);

    assert.equal(result.status, 'completed');
    const charges = (await ledger.ledger.list()).filter((c) => c.description === 'charge then crash');
    assert.equal(charges.length, 1, 'exactly one charge');
    assert.equal(charges[0]?.idempotencyKey, `${handle.workflowId}/toolu_charge_1`);
    const starts = readExecutions(log).filter((e) => e.event === 'start');
    assert.deepEqual(
      starts.map((e) => e.attempt),
      [1, 2],
    );
    assert.equal(new Set(starts.map((e) => e.idempotencyKey)).size, 1, 'the same key after the crash');
    assert.equal(result.toolCalls[0]?.status, 'succeeded');
    assert.equal(result.toolCalls[0]?.attempts, 2);
    assert.match(String(toolResultSent('charge then crash')?.content), new RegExp(String(charges[0]?.id)));
  });

  it('an unsafe transfer whose worker died is reconciled, not retried: one transfer, and the model is told', async () => {
    const log = path.join(suite.dir, 'wire.jsonl');
    oneCall('wire then crash', 'toolu_wire_1', 'send_wire_transfer', payment('wire then crash'));
    const crashing = await worker(log, { CRASH_AFTER_TOOL: 'send_wire_transfer' });
    const handle = await suite.env.start({ prompt: 'Please wire then crash.' });
    await waitFor('the worker to die after the transfer', () => crashing.process.signalCode === 'SIGKILL');
    await worker(log);
    const result = await awaitResult(handle);

    const transfers = (await ledger.ledger.list()).filter((c) => c.description === 'wire then crash');
    assert.equal(transfers.length, 1, 'exactly one transfer');
    assert.equal(readExecutions(log).filter((e) => e.event === 'start').length, 1, 'never attempted twice');
    const reconciled = readExecutions(log).filter((e) => e.event === 'reconcile');
    assert.deepEqual(
      reconciled.map((e) => e.happened),
      [true],
    );
    assert.equal(result.status, 'completed');
    assert.equal(result.toolCalls[0]?.status, 'succeeded');
    assert.equal(result.toolCalls[0]?.reconciled, true);
    assert.match(String(toolResultSent('wire then crash')?.content), new RegExp(String(transfers[0]?.id)));
  });

  it('an unsafe call with no reconcile whose worker died is outcome_unknown and the run needs attention', async () => {
    const log = path.join(suite.dir, 'unsafe.jsonl');
    oneCall('unsafe in doubt', 'toolu_doubt_1', 'unsafe_step', { ms: 5000 });
    const first = await worker(log);
    const handle = await suite.env.start({ prompt: 'Run unsafe in doubt.' });
    await waitFor('the unsafe step to start', () => readExecutions(log).some((e) => e.event === 'start'));
    await first.kill();
    await worker(log);
    const result = await awaitResult(handle);

    assert.equal(result.status, 'needs_attention');
    assert.equal(result.toolCalls[0]?.status, 'outcome_unknown');
    assert.equal(readExecutions(log).filter((e) => e.event === 'start').length, 1, 'not retried blindly');
    const sent = toolResultSent('unsafe in doubt');
    assert.equal(sent?.is_error, true);
    assert.match(
      String(sent?.content),
      /outcome_unknown: "unsafe_step" may or may not have taken effect.*Do not claim it succeeded/s,
    );
  });
});
