// A peer worker process: Temporal's AI SDK plugin with @ai-sdk/anthropic pointed at the fake Claude, the
// peer workflow and its tool activity. Configured by environment (set by bench/peer.ts):
//   TEMPORAL_ADDRESS, PEER_TASK_QUEUE, ANTHROPIC_BASE_URL   where to connect
//   PEER_BUNDLE      file of the workflow bundle: built (through the plugin) and written when missing, read
//                    when present, so the bench's later workers skip the slow bundling
//   EXECUTION_LOG    JSONL file: one line when each tool attempt starts and when it ends
// Prints "worker ready" once it polls.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createAnthropic } from '@ai-sdk/anthropic';
import { AiSdkPlugin } from '@temporalio/ai-sdk';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as activities from './activities';

Runtime.install({ logger: new DefaultLogger('ERROR') });

function setting(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; the bench (bench/peer.ts) sets it for every peer worker`);
  return value;
}

async function main(): Promise<void> {
  // The fake Claude serves the Messages API under /v1, as the real one does; the key is never checked.
  const anthropic = createAnthropic({ baseURL: `${setting('ANTHROPIC_BASE_URL')}/v1`, apiKey: 'bench' });
  const plugin = new AiSdkPlugin({ modelProvider: anthropic });
  const bundleFile = setting('PEER_BUNDLE');
  if (!existsSync(bundleFile)) {
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('./workflows'),
      plugins: [plugin],
      logger: new DefaultLogger('WARN'),
    });
    writeFileSync(bundleFile, bundle.code);
  }
  const connection = await NativeConnection.connect({ address: setting('TEMPORAL_ADDRESS') });
  const worker = await Worker.create({
    connection,
    taskQueue: setting('PEER_TASK_QUEUE'),
    plugins: [plugin],
    workflowBundle: { code: readFileSync(bundleFile, 'utf8') },
    activities,
  });
  const running = worker.run();
  console.log('worker ready');
  await running;
  await connection.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
