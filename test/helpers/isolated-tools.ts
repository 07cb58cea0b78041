// A tool module for the isolation tests: tools that end or hang the process they run in, and tools that say
// which process that is. Loaded by worker processes through DURABLE_AGENT_TOOLS.
import { appendFileSync } from 'node:fs';
import { z } from 'zod';
import { defineTool } from '../../src/activities/tools/define';

const exitsProcess = defineTool({
  name: 'exits_process',
  description: 'Ends the process it runs in.',
  input: z.object({}),
  effect: 'read',
  retries: 0,
  isolation: 'process',
  run: () => process.exit(1),
});

const exitsUnsafe = defineTool({
  name: 'exits_unsafe',
  description: 'Ends the process it runs in, perhaps after its side effect.',
  input: z.object({}),
  effect: 'unsafe',
  isolation: 'process',
  run: () => process.exit(1),
});

const loopsForever = defineTool({
  name: 'loops_forever',
  description: 'Writes down its process id, then spins for ever, deaf to its abort signal.',
  input: z.object({}),
  effect: 'read',
  retries: 0,
  timeout: '1s',
  isolation: 'process',
  run: () => {
    appendFileSync(
      process.env.EXECUTION_LOG as string,
      `${JSON.stringify({ event: 'spin', pid: process.pid })}\n`,
    );
    for (;;);
  },
});

const reportsPid = defineTool({
  name: 'reports_pid',
  description: 'Says which process it runs in.',
  input: z.object({}),
  effect: 'read',
  run: () => ({ pid: process.pid }),
});

const reportsPidIsolated = defineTool({
  name: 'reports_pid_isolated',
  description: 'Says which process it runs in, and the idempotency key it was given.',
  input: z.object({}),
  effect: 'read',
  isolation: 'process',
  run: (_input, ctx) => ({ pid: process.pid, idempotencyKey: ctx.idempotencyKey }),
});

export default [exitsProcess, exitsUnsafe, loopsForever, reportsPid, reportsPidIsolated];
