// Unit tests: no Temporal server; runs the real ledger HTTP server on loopback and calls the payment tools' run and reconcile directly.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import type { Reconciliation, Tool, ToolContext } from '../../src';
import chargeCard from '../../examples/payments/charge-card';
import paymentTools from '../../examples/payments';
import { IdempotencyKeyReusedError, InvalidChargeError, openLedger } from '../../examples/payments/ledger';
import type { Charge } from '../../examples/payments/ledger';
import { PaymentErrorType } from '../../examples/payments/ledger-client';
import { startLedgerServer } from '../../examples/payments/server';
import type { LedgerServer } from '../../examples/payments/server';
import wireTransfer from '../../examples/payments/wire-transfer';

const originalLedgerUrl = process.env.LEDGER_URL;
let dir: string;
let file: string;
let server: LedgerServer;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'payments-test-'));
  file = path.join(dir, 'ledger.json');
  server = await startLedgerServer({ file });
  process.env.LEDGER_URL = server.url;
});

afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

after(() => {
  if (originalLedgerUrl === undefined) delete process.env.LEDGER_URL;
  else process.env.LEDGER_URL = originalLedgerUrl;
});

const order = { customerId: 'cus_1042', amountCents: 1250, currency: 'USD', description: 'Order 48810' };

function post(body: unknown, idempotencyKey?: string, base = server.url): Promise<Response> {
  return fetch(`${base}/v1/charges`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(idempotencyKey !== undefined && { 'idempotency-key': idempotencyKey }),
    },
    body: JSON.stringify(body),
  });
}

async function stored(): Promise<Charge[]> {
  return (JSON.parse(await readFile(file, 'utf8')) as { charges: Charge[] }).charges;
}

function context(workflowId: string, toolUseId: string, signal = new AbortController().signal): ToolContext {
  return {
    idempotencyKey: `${workflowId}/${toolUseId}`,
    signal,
    heartbeat() {},
    attempt: 1,
    workflowId,
    toolUseId,
  };
}

// Validates the input with the tool's schema first, as the runtime does.
async function run<S extends z.ZodObject>(tool: Tool<S>, input: unknown, ctx: ToolContext): Promise<Charge> {
  return (await tool.run(tool.input.parse(input), ctx)) as Charge;
}

async function reconcileWire(idempotencyKey: string): Promise<Reconciliation> {
  assert.ok(wireTransfer.reconcile, 'send_wire_transfer has a reconcile');
  return wireTransfer.reconcile(idempotencyKey, { signal: new AbortController().signal });
}

const toolInput = {
  customer_id: 'cus_1042',
  amount_cents: 1250,
  currency: 'USD',
  description: 'Order 48810',
};

function isPaymentRejected(err: unknown): boolean {
  return (
    err instanceof ApplicationFailure && err.type === PaymentErrorType.Rejected && err.nonRetryable === true
  );
}

describe('ledger HTTP server', () => {
  it('charges once for the same idempotency key and marks the second answer as a replay', async () => {
    const first = await post(order, 'key-1');
    const second = await post(order, 'key-1');
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    const [a, b] = [(await first.json()) as Charge, (await second.json()) as Charge];
    assert.match(a.id, /^ch_/);
    assert.equal(b.id, a.id);
    assert.equal((await stored()).length, 1);
  });

  it('refuses a reused key with another amount with 409 and records nothing more', async () => {
    const first = (await (await post(order, 'key-1')).json()) as Charge;
    const reused = await post({ ...order, amountCents: 9999 }, 'key-1');
    assert.equal(reused.status, 409);
    const { error } = (await reused.json()) as { error: { type: string; message: string } };
    assert.equal(error.type, 'IdempotencyKeyReused');
    assert.match(error.message, new RegExp(first.id));
    assert.match(error.message, /amountCents 1250 ≠ 9999/);
    assert.deepEqual(
      (await stored()).map((c) => c.id),
      [first.id],
    );
  });

  it('records exactly one charge for five concurrent POSTs with the same key', async () => {
    const responses = await Promise.all(Array.from({ length: 5 }, () => post(order, 'key-race')));
    const charges = (await Promise.all(responses.map((r) => r.json()))) as Charge[];
    assert.deepEqual(
      responses.map((r) => r.status),
      [200, 200, 200, 200, 200],
    );
    assert.equal(new Set(charges.map((c) => c.id)).size, 1);
    assert.equal(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true').length, 4);
    assert.equal((await stored()).length, 1);
  });

  it('answers invalid input with 400 and a message naming each problem', async () => {
    const bad = await post({ amountCents: 12.5, currency: 'dollars', description: 'x' });
    assert.equal(bad.status, 400);
    const { error } = (await bad.json()) as { error: { type: string; message: string } };
    assert.equal(error.type, 'InvalidCharge');
    assert.match(error.message, /customerId is required/);
    assert.match(error.message, /amountCents must be a whole number of cents/);
    assert.match(error.message, /currency must be a three-letter ISO 4217 code/);

    const negative = await post({ ...order, amountCents: -5 });
    assert.equal(negative.status, 400);
    assert.match(
      ((await negative.json()) as { error: { message: string } }).error.message,
      /greater than zero/,
    );

    const notJson = await fetch(`${server.url}/v1/charges`, { method: 'POST', body: '{oops' });
    assert.equal(notJson.status, 400);
    assert.equal(((await notJson.json()) as { error: { type: string } }).error.type, 'InvalidJson');
    await assert.rejects(readFile(file), { code: 'ENOENT' });
  });

  it('lists all charges, or those with a reference', async () => {
    await post({ ...order, reference: 'ref-a' });
    await post({ ...order, reference: 'ref-b' });
    await post(order);
    const all = (await (await fetch(`${server.url}/v1/charges`)).json()) as { data: Charge[] };
    const refA = (await (await fetch(`${server.url}/v1/charges?reference=ref-a`)).json()) as {
      data: Charge[];
    };
    assert.equal(all.data.length, 3);
    assert.deepEqual(
      refA.data.map((c) => c.reference),
      ['ref-a'],
    );
  });
});

describe('ledger file', () => {
  it('finds charges by reference and lists them oldest first', async () => {
    const ledger = openLedger(file);
    const a = await ledger.charge({ ...order, reference: 'wf-1/toolu_1' });
    const b = await ledger.charge({ ...order, currency: 'eur', reference: 'wf-1/toolu_2' });
    assert.equal(a.replayed, false);
    assert.equal(b.currency, 'EUR');
    assert.deepEqual(
      (await ledger.findByReference('wf-1/toolu_2')).map((c) => c.id),
      [b.id],
    );
    assert.deepEqual(await ledger.findByReference('wf-1/toolu_9'), []);
    assert.deepEqual(
      (await ledger.list()).map((c) => c.id),
      [a.id, b.id],
    );
  });

  it('returns the existing charge as replayed, and throws typed errors for a reused key or bad input', async () => {
    const ledger = openLedger(file);
    const first = await ledger.charge({ ...order, idempotencyKey: 'k' });
    const again = await ledger.charge({ ...order, currency: 'usd', idempotencyKey: 'k' });
    assert.deepEqual(again, { ...first, replayed: true });
    await assert.rejects(
      ledger.charge({ ...order, description: 'something else', idempotencyKey: 'k' }),
      (err: unknown) =>
        err instanceof IdempotencyKeyReusedError &&
        err.type === 'IdempotencyKeyReused' &&
        err.existing.id === first.id,
    );
    await assert.rejects(
      ledger.charge({ ...order, amountCents: 0 }),
      (err: unknown) => err instanceof InvalidChargeError && err.type === 'InvalidCharge',
    );
  });

  it('loses no charge when two ledger objects on one file write at once, and leaves no temp files', async () => {
    const [x, y] = [openLedger(file), openLedger(file)];
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? x : y).charge({ ...order, reference: `r${i}` })),
    );
    assert.equal((await stored()).length, 10);
    assert.deepEqual(await readdir(dir), ['ledger.json']);
  });

  it('refuses to treat a corrupt file as an empty ledger', async () => {
    await writeFile(file, '{"charges": [');
    await assert.rejects(openLedger(file).charge(order), /is not valid JSON/);
    assert.equal(await readFile(file, 'utf8'), '{"charges": [');
  });
});

describe('payment tools', () => {
  it('exports charge_card and send_wire_transfer with the effects that match their APIs', () => {
    assert.deepEqual(
      paymentTools.map((t) => [t.name, t.effect]),
      [
        ['charge_card', 'idempotent'],
        ['send_wire_transfer', 'unsafe'],
      ],
    );
    assert.equal(typeof wireTransfer.reconcile, 'function');
  });

  it('charge_card called twice with one idempotency key charges once', async () => {
    const ctx = context('wf-pay', 'toolu_1');
    const first = await run(chargeCard, toolInput, ctx);
    const retry = await run(chargeCard, toolInput, { ...ctx, attempt: 2 });
    assert.equal(retry.id, first.id);
    assert.equal(first.idempotencyKey, 'wf-pay/toolu_1');
    assert.equal((await stored()).length, 1);

    await run(chargeCard, toolInput, context('wf-pay', 'toolu_2'));
    assert.equal((await stored()).length, 2, 'another tool call is another charge');
  });

  it('send_wire_transfer called twice sends twice, which is why it is unsafe; reconcile finds it by key', async () => {
    const ctx = context('wf-wire', 'toolu_1');
    const first = await run(wireTransfer, toolInput, ctx);
    const second = await run(wireTransfer, toolInput, ctx);
    assert.notEqual(second.id, first.id);
    assert.deepEqual(
      (await stored()).map((c) => [c.reference, c.idempotencyKey]),
      [
        ['wf-wire/toolu_1', undefined],
        ['wf-wire/toolu_1', undefined],
      ],
    );

    const found = await reconcileWire(ctx.idempotencyKey);
    assert.ok(found.happened);
    assert.equal((found.result as Charge).id, first.id);
    assert.deepEqual(await reconcileWire('wf-wire/toolu_404'), { happened: false });
  });

  it('a charge whose answer never came back is replayed, not repeated, by the next attempt', async () => {
    const slow = await startLedgerServer({ file, delayMs: 150 });
    process.env.LEDGER_URL = slow.url;
    try {
      const ctx = context('wf-slow', 'toolu_1');
      await assert.rejects(
        run(chargeCard, toolInput, { ...ctx, signal: AbortSignal.timeout(40) }),
        (err: Error) => err.name === 'TimeoutError',
      );
      const retry = await run(chargeCard, toolInput, { ...ctx, attempt: 2 });
      assert.deepEqual(
        (await stored()).map((c) => c.id),
        [retry.id],
      );
    } finally {
      await slow.close();
    }
  });

  it('a wire transfer whose answer never came back is found by reconcile', async () => {
    const slow = await startLedgerServer({ file, delayMs: 150 });
    process.env.LEDGER_URL = slow.url;
    try {
      const ctx = context('wf-slow', 'toolu_2');
      await assert.rejects(run(wireTransfer, toolInput, { ...ctx, signal: AbortSignal.timeout(40) }));
      process.env.LEDGER_URL = server.url;
      const answer = await reconcileWire(ctx.idempotencyKey);
      assert.ok(answer.happened, 'the transfer went out although its caller gave up waiting');
      assert.equal((answer.result as Charge).reference, 'wf-slow/toolu_2');
      assert.equal((await stored()).length, 1);
    } finally {
      await slow.close();
    }
  });

  it('a refusal (4xx) is a non-retryable PaymentRejected', async () => {
    const ctx = context('wf-pay', 'toolu_1');
    await run(chargeCard, toolInput, ctx);
    await assert.rejects(run(chargeCard, { ...toolInput, amount_cents: 99 }, ctx), (err: unknown) => {
      assert.ok(isPaymentRejected(err), String(err));
      assert.match((err as Error).message, /409 IdempotencyKeyReused/);
      return true;
    });
  });

  it('a failing ledger (5xx) or an unreachable one is a plain, retryable error', async () => {
    const failing = createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'Unavailable', message: 'bank is down for maintenance' } }));
    });
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    const { port } = failing.address() as AddressInfo;
    try {
      process.env.LEDGER_URL = `http://127.0.0.1:${port}`;
      await assert.rejects(run(chargeCard, toolInput, context('wf-pay', 'toolu_1')), (err: unknown) => {
        assert.ok(!(err instanceof ApplicationFailure), 'a 5xx must stay retryable');
        assert.match((err as Error).message, /503 Unavailable\): bank is down for maintenance/);
        return true;
      });
    } finally {
      failing.closeAllConnections();
      await new Promise<void>((resolve) => failing.close(() => resolve()));
    }

    // The port was just freed, so nothing listens there: the connection is refused.
    await assert.rejects(run(chargeCard, toolInput, context('wf-pay', 'toolu_1')), (err: unknown) => {
      assert.ok(!(err instanceof ApplicationFailure), 'a network error must stay retryable');
      assert.match((err as Error).message, /cannot connect to the ledger .*nothing was sent/);
      return true;
    });
  });

  it('says to set LEDGER_URL when it is missing, as a non-retryable error', async () => {
    delete process.env.LEDGER_URL;
    for (const call of [
      () => run(chargeCard, toolInput, context('wf-pay', 'toolu_1')),
      () => run(wireTransfer, toolInput, context('wf-pay', 'toolu_2')),
      () => reconcileWire('wf-pay/toolu_2'),
    ]) {
      await assert.rejects(call(), (err: unknown) => {
        assert.ok(err instanceof ApplicationFailure && err.nonRetryable, String(err));
        assert.equal(err.type, PaymentErrorType.NotConfigured);
        assert.match(err.message, /LEDGER_URL is not set.*examples\/payments\/server\.ts/);
        return true;
      });
    }
    assert.equal((await readdir(dir)).length, 0);
  });
});
