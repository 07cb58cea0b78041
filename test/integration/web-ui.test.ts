// The Temporal Web UI shows a finished agent run by what it did: each tool call and model call under its
// summary, the run's current details and its search attributes. A real dev server with its UI, the fake
// Claude over real HTTP, a worker in this process, and headless Chromium (Debian's `chromium` package).
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import type { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Worker } from '@temporalio/worker';
import type { Browser, Page } from 'playwright-core';
import { awaitResult, connectClient, startRun } from '../../src/client';
import { startDevServer } from '../../src/dev-server';
import type { DevServer } from '../../src/dev-server';
import { DEFAULT_TASK_QUEUE } from '../../src/shared';
import type { AgentResult } from '../../src/shared';
import { startFakeClaude } from '../../src/testing';
import type { FakeClaude } from '../../src/testing';
import { totalTokens } from '../../src/workflows/budget';
import { createAgentWorker } from '../../src/worker';
import { expectVisible, launchChromium } from '../helpers/browser';
import { workflowBundle } from '../helpers/env';
import { weather } from '../helpers/tools';

const ROOT = path.resolve(__dirname, '../..');
// Every run leaves its screenshots here; UPDATE_DOCS_SCREENSHOT=1 also rewrites the one the README shows.
const OUTPUT_DIR = path.join(ROOT, 'test-output');
const DOCS_SCREENSHOT = path.join(ROOT, 'docs', 'web-ui-run.png');
// Wide enough for the history timeline's labels, tall enough to show the run's header and whole timeline.
const VIEWPORT = { width: 1400, height: 1080 };
// The UI is a single-page app that loads the run through several API calls after the page itself.
const UI_TIMEOUT_MS = 30_000;

const WORKFLOW_ID = 'weather-reykjavik-ushuaia';
const TOOL_SUMMARIES = ['get_weather city=Reykjavik', 'get_weather city=Ushuaia'];
const MODEL_SUMMARIES = ['claude-sonnet-4-6 · turn 1', 'claude-sonnet-4-6 · turn 2'];

let server: DevServer;
let fake: FakeClaude;
let client: Client;
let connection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
let browser: Browser;
let page: Page;
let runId: string;
let result: AgentResult;

before(
  async () => {
    // Launch Chromium first: when it is missing, the test fails at once saying how to install it.
    browser = await launchChromium();
    [server, fake] = await Promise.all([startDevServer({ ui: true }), startFakeClaude()]);
    client = await connectClient({ address: server.address, namespace: server.namespace });
    connection = await NativeConnection.connect({ address: server.address });
    worker = await createAgentWorker({
      connection,
      config: { namespace: server.namespace, taskQueue: DEFAULT_TASK_QUEUE, toolModules: [] },
      tools: [weather],
      anthropic: new Anthropic({ apiKey: 'test-key', baseURL: fake.url, maxRetries: 0 }),
      workflowBundle: await workflowBundle(),
    });
    running = worker.run();

    fake.script(
      [
        {
          content: [
            { type: 'text', text: 'Let me check both cities.' },
            { type: 'tool_use', name: 'get_weather', input: { city: 'Reykjavik' } },
            { type: 'tool_use', name: 'get_weather', input: { city: 'Ushuaia' } },
          ],
        },
        { content: 'It is sunny in both Reykjavik and Ushuaia.' },
      ],
      { match: 'Reykjavik and Ushuaia' },
    );
    const started = await startRun(
      client,
      { prompt: 'What is the weather in Reykjavik and Ushuaia?' },
      { taskQueue: DEFAULT_TASK_QUEUE, workflowId: WORKFLOW_ID },
    );
    result = await awaitResult(started.handle);
    assert.equal(result.status, 'completed');
    runId = (await started.handle.describe()).runId;

    page = await browser.newPage({ viewport: VIEWPORT });
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    await mkdir(OUTPUT_DIR, { recursive: true });
  },
  { timeout: 180_000 },
);

after(async () => {
  await browser?.close();
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await connection?.close();
  await client?.connection.close();
  await fake?.close();
  await server?.stop();
});

function runPage(tab: 'history' | 'user-metadata' | 'search-attributes'): string {
  return `${server.uiUrl}/namespaces/${server.namespace}/workflows/${WORKFLOW_ID}/${runId}/${tab}`;
}

describe('Web UI', { timeout: 120_000 }, () => {
  it('lists the finished run on the workflows page', async () => {
    await page.goto(`${server.uiUrl}/namespaces/${server.namespace}/workflows`);
    const row = page.getByRole('row').filter({ hasText: WORKFLOW_ID });
    await expectVisible(row, `a row for ${WORKFLOW_ID}`);
    const text = await row.first().innerText();
    assert.match(text, /Completed/);
    assert.match(text, new RegExp(runId));
    assert.match(text, /agentRun/);
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'web-ui-list.png') });
  });

  it('shows each tool call and model call of the run by its summary in the history timeline', async () => {
    await page.goto(runPage('history'));
    const timeline = page.locator('#event-history-timeline-graph');
    await expectVisible(timeline, 'the event history timeline');
    for (const summary of [...TOOL_SUMMARIES, ...MODEL_SUMMARIES]) {
      await expectVisible(timeline.getByText(summary), `the activity summary "${summary}" in the timeline`);
    }
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'web-ui-run.png'), fullPage: true });
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') {
      await mkdir(path.dirname(DOCS_SCREENSHOT), { recursive: true });
      await page.screenshot({ path: DOCS_SCREENSHOT, fullPage: true });
    }
  });

  it("shows the run's activities with metadata and its current details", async () => {
    await page.goto(runPage('user-metadata'));
    await expectVisible(page.getByText('Events with Metadata'), 'the "Events with Metadata" list');
    for (const summary of [...TOOL_SUMMARIES, ...MODEL_SUMMARIES]) {
      await expectVisible(page.getByText(summary, { exact: true }), `the activity "${summary}"`);
    }
    // Current details come from a query the UI sends to the worker, rendered as markdown in an iframe.
    const tokens = totalTokens(result.usage);
    // The innermost block holding both the "Current Details" heading and an iframe is that panel.
    const panel = page
      .locator('div')
      .filter({ has: page.getByRole('heading', { name: 'Current Details' }) })
      .filter({ has: page.locator('iframe') })
      .last();
    const details = panel.frameLocator('iframe').locator('body');
    await expectVisible(details.getByText(`tokens ${tokens}`), `current details with "tokens ${tokens}"`);
    assert.match(await details.innerText(), /completed/);
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'web-ui-user-metadata.png') });
  });

  it("shows the run's agent search attributes", async () => {
    await page.goto(runPage('search-attributes'));
    await expectVisible(page.getByText('"AgentStatus"'), 'the AgentStatus search attribute');
    const text = await page.locator('main').innerText();
    assert.match(text, /"AgentStatus": "completed"/);
    assert.match(text, /"AgentIteration": 2\b/);
    assert.match(text, /"AgentModel": "claude-sonnet-4-6"/);
    assert.match(text, new RegExp(`"AgentTotalTokens": ${totalTokens(result.usage)}\\b`));
    assert.ok(
      text.includes(`"AgentCostUsd": ${result.costUsd}`),
      `AgentCostUsd is not ${result.costUsd}:\n${text}`,
    );
  });
});
