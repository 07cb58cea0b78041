// Your own Temporal worker, with DurableAgentPlugin adding the agent's activities and model-call worker, and
// your own workflows module (./workflows.js, which calls runAgent). Runs one ticket against the fake Claude.
// Usage: TEMPORAL_ADDRESS=127.0.0.1:7233 node own-worker.js
const { NativeConnection, Worker } = require('@temporalio/worker');
const { connectClient } = require('durable-agent');
const { startFakeClaude } = require('durable-agent/testing');
const { createAnthropicClient, DurableAgentPlugin } = require('durable-agent/worker');
const tools = require('./tools');

async function main() {
  const fake = await startFakeClaude();
  fake.script([
    {
      content: [{ type: 'tool_use', id: 'toolu_inv', name: 'look_up_invoice', input: { invoice: 'INV-9' } }],
    },
    { content: 'INV-9 is 12.50 for ACME: a billing question, not a bug.' },
  ]);
  const taskQueue = `own-worker-${process.pid}`;
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowsPath: require.resolve('./workflows'),
    plugins: [
      new DurableAgentPlugin({
        tools,
        anthropic: createAnthropicClient({ anthropicApiKey: 'fake', anthropicBaseUrl: fake.url }),
      }),
    ],
  });
  const running = worker.run();
  const client = await connectClient();
  try {
    const result = await client.workflow.execute('triageTicket', {
      taskQueue,
      workflowId: `ticket-${process.pid}`,
      args: [{ id: 'T-1', text: 'Why was I charged for INV-9?' }],
    });
    console.log(JSON.stringify(result));
  } finally {
    worker.shutdown();
    await running;
    await client.connection.close();
    await connection.close();
    await fake.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
