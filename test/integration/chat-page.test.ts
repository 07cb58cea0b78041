// The chat page in headless Chromium against `durable-agent serve` over real HTTP and a real Temporal dev server.
// The session is a stand-in `agentSession` workflow (test/helpers/fake-session-workflow.ts) and the events come
// from a stream the test writes, so the test decides when each delta arrives and can check the page in between.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import type { Browser, Page } from 'playwright-core';
import { listen } from '../../src/http/serve';
import type { HttpServer } from '../../src/http/serve';
import type { StreamEventBody } from '../../src/shared/stream-events';
import { expectVisible, launchChromium } from '../helpers/browser';
import { startTestEnv } from '../helpers/env';
import type { TestEnv } from '../helpers/env';
import { finishTurnSignal, receivedQuery, waitForApprovalSignal } from '../helpers/fake-session-workflow';
import { scriptedStream } from '../helpers/scripted-stream';

const ROOT = path.resolve(__dirname, '../..');
const OUTPUT_DIR = path.join(ROOT, 'test-output');
// The README's screenshot comes from the real page: chat-page-e2e.test.ts (UPDATE_DOCS_SCREENSHOT=1) rewrites it.
const SESSION = 'chat-page-test';

// The page's document, as the functions run in the browser see it (the test's tsconfig has no DOM types).
declare const document: { querySelector(selector: string): { textContent: string | null } | null };

let env: TestEnv;
let connection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
let server: HttpServer;
let browser: Browser;
let page: Page;
const stream = scriptedStream();

before(async () => {
  browser = await launchChromium();
  env = await startTestEnv();
  connection = await NativeConnection.connect({ address: env.server.address });
  worker = await Worker.create({
    connection,
    namespace: env.server.namespace,
    taskQueue: env.taskQueue,
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: require.resolve('../helpers/fake-session-workflow'),
      logger: new DefaultLogger('WARN'),
    }),
  });
  running = worker.run();
  // The real session and readers are tested end to end in chat-page-e2e.test.ts; here the test writes the stream.
  server = await listen({ client: env.client, watch: stream.watch, taskQueue: env.taskQueue, port: 0 });
  page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
});

after(async () => {
  await page?.close();
  await browser?.close();
  await server?.close();
  worker?.shutdown();
  await running;
  await connection?.close();
  await env?.close();
});

const session = () => env.client.workflow.getHandle(SESSION);
const received = () => session().query(receivedQuery);
const USAGE = {
  input_tokens: 10,
  output_tokens: 5,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
};
const push = (...events: StreamEventBody[]) => stream.push(SESSION, ...events);
const text = (delta: string, attempt = 1): StreamEventBody => ({ type: 'text', turn: 1, attempt, delta });

/** Waits until the page's answer reads exactly `expected`. */
async function answerReads(expected: string, turn = 1): Promise<void> {
  await page.waitForFunction(
    ([want, n]) => document.querySelector(`.msg.assistant[data-turn="${n}"] .text`)?.textContent === want,
    [expected, turn] as const,
    { timeout: 15_000 },
  );
}

describe('the chat page', () => {
  it('sends a message, streams the answer as it comes, drops it on retry, and approves a waiting call', async () => {
    await page.goto(`${server.url}/?session=${SESSION}`);
    await expectVisible(page.getByText('Ask your agent something'), 'the empty conversation');

    await page.locator('#message').fill('Close account 48810, then tell me the weather.');
    await page.keyboard.press('Enter');
    await eventually(
      'the message to reach the session',
      async () => (await received()).messages.length === 1,
    );
    assert.deepEqual((await received()).messages, ['Close account 48810, then tell me the weather.']);
    await expectVisible(page.locator('.msg.user'), "the user's message");

    // The answer grows on the page while the turn is still running.
    push(text('Closing'));
    await answerReads('Closing');
    push(text(' the account'));
    await answerReads('Closing the account');
    assert.equal((await page.locator('#state').textContent())?.trim(), 'running');

    // The model call is retried: what it wrote so far goes, the new attempt's text replaces it.
    push({ type: 'retry', turn: 1, attempt: 2 });
    await answerReads('');
    await expectVisible(page.locator('.retried'), 'the retry note');
    push(text('I will close account 48810 once you approve.', 2));
    await answerReads('I will close account 48810 once you approve.');

    // A call that needs a person: its card gets buttons, and Approve sends the approval.
    push({ type: 'tool_started', turn: 1, toolUseId: 'toolu_page_1', name: 'close_account', attempt: 1 });
    await session().signal(waitForApprovalSignal, {
      toolUseId: 'toolu_page_1',
      name: 'close_account',
      input: { account: '48810' },
    });
    const card = page.locator('.tool[data-tool-use-id="toolu_page_1"]');
    await expectVisible(card.locator('button.approve'), 'the approve button');
    await expectVisible(card.getByText('"48810"'), "the call's input");
    await card.locator('button.approve').click();
    await eventually(
      'the approval to reach the session',
      async () => (await received()).decisions.length > 0,
    );
    assert.deepEqual((await received()).decisions, [{ toolUseId: 'toolu_page_1', approved: true }]);
    await card.locator('button.approve').waitFor({ state: 'hidden' });

    push({
      type: 'tool_finished',
      turn: 1,
      toolUseId: 'toolu_page_1',
      name: 'close_account',
      status: 'succeeded',
      isError: false,
    });
    await expectVisible(card.getByText('done'), 'the finished tool card');
    await expectVisible(page.locator('#ui-link[href*="/workflows/chat-page-test/"]'), 'the Web UI link');

    // Interrupt is offered while the turn runs, and reaches the session.
    await page.locator('#interrupt').click();
    await eventually('the interrupt to reach the session', async () => (await received()).interrupts > 0);
    assert.equal((await received()).interrupts, 1);

    // The next model call of the send answers below the card; run_finished ends the send.
    push(
      { type: 'turn_finished', turn: 1, stopReason: 'tool_use', usage: USAGE },
      { type: 'text', turn: 2, attempt: 1, delta: 'Account 48810 is closed.' },
      { type: 'turn_finished', turn: 2, stopReason: 'end_turn', usage: USAGE },
      { type: 'run_finished', status: 'completed', text: 'Account 48810 is closed.', send: 1 },
    );
    await session().signal(finishTurnSignal);
    await answerReads('Account 48810 is closed.', 2);
    await page.waitForFunction(() => document.querySelector('#state')?.textContent === 'idle', undefined, {
      timeout: 15_000,
    });
    await screenshot(path.join(OUTPUT_DIR, 'chat-page.png'));
  });
});

/** Polls an async condition (a query of the session, which may not exist yet) for up to 15 s. */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function screenshot(file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file });
}
