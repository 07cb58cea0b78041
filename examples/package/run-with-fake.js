// End to end on plain Node with the published package: a worker with the tools of ./tools.js, the fake Claude
// from durable-agent/testing, and a run started and awaited with the client. Prints the result as JSON.
// Usage: TEMPORAL_ADDRESS=127.0.0.1:7233 node run-with-fake.js
const { awaitResult, connectClient, startRun } = require('durable-agent');
const { startFakeClaude } = require('durable-agent/testing');
const { createAgentWorker, createAnthropicClient } = require('durable-agent/worker');
const tools = require('./tools');

async function main() {
  const fake = await startFakeClaude();
  fake.script([
    {
      content: [
        { type: 'tool_use', id: 'toolu_look', name: 'look_up_invoice', input: { invoice: 'INV-7' } },
        { type: 'tool_use', id: 'toolu_pay', name: 'pay_invoice', input: { invoice: 'INV-7' } },
      ],
    },
    { content: 'I could not confirm the payment of INV-7.' },
  ]);
  const taskQueue = `package-example-${process.pid}`;
  const worker = await createAgentWorker({
    tools,
    anthropic: createAnthropicClient({ anthropicApiKey: 'fake', anthropicBaseUrl: fake.url }),
    config: { taskQueue },
  });
  const running = worker.run();
  const client = await connectClient();
  try {
    const { handle } = await startRun(client, { prompt: 'Pay invoice INV-7.' }, { taskQueue });
    console.log(JSON.stringify(await awaitResult(handle)));
  } finally {
    worker.shutdown();
    await running;
    await client.connection.close();
    await fake.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
