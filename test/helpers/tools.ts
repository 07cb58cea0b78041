// Tools for integration tests. Each records its executions so tests can prove what ran and how often.
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { defineTool } from '../../src/activities/tools/define';

/** One execution of a test tool. */
export interface Execution {
  tool: string;
  input: unknown;
  attempt: number;
  idempotencyKey: string;
  startedAt: number;
  finishedAt?: number;
}

/** Every execution of the test tools in this process, in start order. */
export const executions: Execution[] = [];

function record(tool: string, input: unknown, ctx: { attempt: number; idempotencyKey: string }): Execution {
  const execution: Execution = {
    tool,
    input,
    attempt: ctx.attempt,
    idempotencyKey: ctx.idempotencyKey,
    startedAt: Date.now(),
  };
  executions.push(execution);
  return execution;
}

/** Returns the city's weather after a given delay. */
export const weather = defineTool({
  name: 'get_weather',
  description: 'Current weather for a city.',
  input: z.object({ city: z.string().min(1), delayMs: z.number().int().min(0).max(10_000).optional() }),
  effect: 'read',
  timeout: '10s',
  async run({ city, delayMs }, ctx) {
    const execution = record('get_weather', { city }, ctx);
    if (delayMs) await sleep(delayMs, undefined, { signal: ctx.signal });
    execution.finishedAt = Date.now();
    return { city, forecast: `sunny in ${city}`, celsius: 21 };
  },
});

/** Takes longer than its 500 ms timeout. */
export const slow = defineTool({
  name: 'slow_report',
  description: 'A report that takes too long.',
  input: z.object({}),
  effect: 'read',
  timeout: 500,
  retries: 1,
  async run(_input, ctx) {
    record('slow_report', {}, ctx);
    await sleep(3_000, undefined, { signal: ctx.signal }).catch(() => undefined);
    return 'too late';
  },
});

/** Always throws; `permanent` makes the error non-retryable. */
export const broken = defineTool({
  name: 'broken_lookup',
  description: 'A lookup whose backend is down.',
  input: z.object({ permanent: z.boolean().optional() }),
  effect: 'read',
  retries: 2,
  run({ permanent }, ctx) {
    record('broken_lookup', { permanent }, ctx);
    if (permanent) throw ApplicationFailure.nonRetryable('record 7 does not exist', 'NotFound');
    throw new Error('backend unavailable: connection refused');
  },
});

/** Every test tool. */
export const testTools = [weather, slow, broken];

/** An unsafe call that takes 1.5 s and ignores cancellation, like a bank transfer that cannot be recalled. */
export const transfer = defineTool({
  name: 'send_transfer',
  description: 'Send money; must not happen twice.',
  input: z.object({ cents: z.number().int().positive() }),
  effect: 'unsafe',
  timeout: '10s',
  async run({ cents }, ctx) {
    const execution = record('send_transfer', { cents }, ctx);
    await sleep(1500);
    execution.finishedAt = Date.now();
    return { sent: cents };
  },
});

/** A call a person must approve first. */
export const closeAccount = defineTool({
  name: 'close_account',
  description: 'Close a customer account.',
  input: z.object({ account: z.string() }),
  effect: 'idempotent',
  needsApproval: true,
  run({ account }, ctx) {
    const execution = record('close_account', { account }, ctx);
    execution.finishedAt = Date.now();
    return `account ${account} closed`;
  },
});

/** Tools for cancellation and approval tests. */
export const controlTools = [weather, transfer, closeAccount];
