// End to end: the chat page in headless Chromium, `durable-agent serve`'s app (in this process) with its real event
// readers, a real `agentSession` on a worker in a child process, and the fake Claude streaming slowly over real
// HTTP. The answer grows on the page while the model writes it, a call waits for the page's approve button, and
// after the worker is killed (SIGKILL) mid-answer a new worker finishes it: the page shows the final text once.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { streamReaders } from '../../src/http/readers';
import { listen } from '../../src/http/serve';
import type { HttpServer } from '../../src/http/serve';
import { expectVisible, launchChromium } from '../helpers/browser';
import { childWorkerSuite, readExecutions } from '../helpers/child-worker';
import { servedBy } from '../helpers/fake-requests';

const ROOT = path.resolve(__dirname, '../..');
// UPDATE_DOCS_SCREENSHOT=1 also rewrites the screenshot the README shows, from this real page.
const DOCS_SCREENSHOT = path.join(ROOT, 'docs', 'chat-page.png');
const APPROVAL_TOOLS = path.join(ROOT, 'test', 'helpers', 'approval-tools.ts');
const MATCH = 'page e2e';

// The page's document, as the functions run in the browser see it (the test's tsconfig has no DOM types).
declare const document: { querySelector(selector: string): { textContent: string | null } | null };

const suite = childWorkerSuite('chat-page-e2e');
let server: HttpServer;
let browser: Browser;
let page: Page;

/** What the page shows as the answer of model call `turn` (null before it shows one). */
function answerOf(turn: number): Promise<string | null> {
  return page.evaluate(
    (n) => document.querySelector(`.msg.assistant[data-turn="${n}"] .text`)?.textContent ?? null,
    turn,
  );
}

/** Waits until the page's answer of `turn` satisfies `check`; returns it. */
async function answerWhen(turn: number, what: string, check: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const text = await answerOf(turn);
    if (text !== null && check(text)) return text;
    if (Date.now() > deadline)
      throw new Error(`the page never showed ${what} (turn ${turn} reads "${text}")`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the chat page, end to end', () => {
  // Inside the suite: the child-worker suite's own hooks (dev server, fake Claude) run first.
  before(async () => {
    browser = await launchChromium();
    server = await listen({
      client: suite.env.client,
      ...streamReaders(suite.env.client),
      taskQueue: suite.env.taskQueue,
      port: 0,
    });
    page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
  });

  after(async () => {
    await page?.close();
    await browser?.close();
    await server?.close();
  });

  it('streams the answer, approves a call from the page, and shows the answer once after the worker is killed mid-answer', async () => {
    const intro = 'I will close account 48810 as soon as you approve it, and then tell you how it went.';
    const answer = Array.from({ length: 80 }, (_, i) => `closed${i}`).join(' ') + '.';
    const retried = { content: answer, deltas: 80, chunkDelayMs: 100 };
    suite.env.fake.script(
      [
        {
          content: [
            { type: 'text', text: intro },
            { type: 'tool_use', id: 'toolu_e2e_1', name: 'close_account', input: { account: '48810' } },
          ],
          deltas: 20,
          chunkDelayMs: 200,
        },
        // The second model call is cut by the kill; its retry streams the same answer whole.
        retried,
        retried,
      ],
      { match: MATCH },
    );
    // A short heartbeat timeout (pinned when the session starts) lets the retry come soon after the kill.
    const extra = { DURABLE_AGENT_TOOLS: APPROVAL_TOOLS, DURABLE_AGENT_HEARTBEAT_TIMEOUT_SECONDS: '2' };
    const log = path.join(suite.dir, 'executions.jsonl');
    const first = await suite.worker(log, extra);

    await page.goto(`${server.url}/?session=chat-page-e2e-${Date.now()}`);
    await expectVisible(page.getByText('Ask your agent something'), 'the empty conversation');
    await page.locator('#message').fill(`${MATCH}: close account 48810, please.`);
    await page.keyboard.press('Enter');

    // The answer grows on the page while the fake is still writing it.
    const early = await answerWhen(1, 'the start of the answer', (t) => t.length > 0);
    const later = await answerWhen(1, 'more of the answer', (t) => t.length > early.length);
    const call = servedBy(suite.env.fake, MATCH)[0];
    assert.equal(call?.endedAt, undefined, 'the model call was still streaming');
    assert.ok(intro.startsWith(later) && later.length < intro.length, later);
    await answerWhen(1, 'the whole first answer', (t) => t === intro);

    // The call waits for a person; the page's approve button approves it.
    const card = page.locator('.tool[data-tool-use-id="toolu_e2e_1"]');
    await expectVisible(card.locator('button.approve'), 'the approve button');
    await expectVisible(card.getByText('"48810"'), "the call's input");
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') await screenshot(DOCS_SCREENSHOT);
    assert.deepEqual(readExecutions(log), [], 'nothing ran before the approval');
    await card.locator('button.approve').click();
    try {
      await expectVisible(card.getByText('done'), 'the finished tool card', 60_000);
    } catch (err) {
      // Say what the page showed instead: the card's state and any error the page reported.
      const shown = `card: "${await card.textContent()}", error: "${await page.locator('#error').textContent()}"`;
      throw new Error(`${(err as Error).message}; ${shown}`);
    }

    // The next answer streams; the worker dies in the middle of it.
    await answerWhen(2, 'part of the second answer', (t) => t.length > 60);
    const cut = servedBy(suite.env.fake, MATCH)[1];
    assert.equal(cut?.endedAt, undefined, 'the second model call was still streaming at the kill');
    await first.kill();
    const shownAtKill = (await answerOf(2)) ?? '';
    assert.ok(shownAtKill.length > 0 && shownAtKill.length < answer.length, 'killed mid-answer');
    await suite.worker(log, extra);

    // The retry drops what the first attempt showed: the page ends with exactly the final answer, once.
    await answerWhen(2, 'the final answer', (t) => t === answer);
    await page.waitForFunction(() => document.querySelector('#state')?.textContent === 'idle', undefined, {
      timeout: 60_000,
    });
    assert.equal(await answerOf(2), answer);
    assert.equal(await answerOf(1), intro);
    await expectVisible(
      page.locator('.msg.assistant[data-turn="2"] .retried'),
      'the note that the answer was retried',
    );
    assert.equal(servedBy(suite.env.fake, MATCH).length, 3);
    const closes = readExecutions(log).filter((e) => e.tool === 'close_account' && e.event === 'end');
    assert.equal(closes.length, 1, 'the approved call ran once');
  });
});

async function screenshot(file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file });
}
