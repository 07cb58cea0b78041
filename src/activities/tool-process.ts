// The child process of an isolated tool call (see isolated-tool.ts): loads the tool's module, runs one call and
// answers with its result or error, then exits. Started by the worker with fork(); not a command of its own.
import { ApplicationFailure } from '@temporalio/common';
import { ToolErrorType } from '../shared';
import type { ChildMessage, ParentMessage, RunMessage } from './isolated-tool';
import { loadToolModules } from './tools/load';
import { toolOutputText } from './tool-output';

const controller = new AbortController();

function send(message: ChildMessage, then: () => void = () => undefined): void {
  try {
    process.send?.(message, undefined, undefined, then);
  } catch {
    // Details JSON cannot hold (a BigInt, a cycle): the heartbeat still counts, without them.
    if (message.kind === 'heartbeat') process.send?.({ kind: 'heartbeat' }, undefined, undefined, then);
  }
}

async function run({ module, tool: name, input, context }: RunMessage): Promise<void> {
  let answer: ChildMessage;
  try {
    const tool = (await loadToolModules([module])).find((t) => t.name === name);
    if (!tool) throw new Error(`the module ${module} no longer exports a tool named "${name}"`);
    const output: unknown = await tool.run(input, {
      ...context,
      signal: controller.signal,
      heartbeat: (details?: unknown) => send({ kind: 'heartbeat', details }),
    });
    answer = { kind: 'result', ...toolOutputText(output) };
  } catch (err) {
    // The same type and retryability the in-process path keeps (run-tool.ts); the worker redacts the message.
    answer =
      err instanceof ApplicationFailure
        ? {
            kind: 'error',
            message: err.message,
            type: err.type ?? ToolErrorType.Failed,
            nonRetryable: err.nonRetryable ?? false,
          }
        : { kind: 'error', message: err instanceof Error ? err.message : String(err) };
  }
  // Exit once the answer is out: timers or sockets the tool left open must not keep the process alive.
  send(answer, () => process.exit(0));
}

process.on('message', (message: ParentMessage) => {
  if (message.kind === 'abort') controller.abort(new Error(message.reason));
  else void run(message);
});
// The worker went away (it died or closed the channel): nobody waits for this call any more.
process.on('disconnect', () => process.exit(1));
