// Tools for the local-activity tests: one lookup, built as a local-activity tool or as a regular one, so tests can
// compare the two. Also a tool module (default export) for worker processes in crash tests.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineTool } from '../../src/activities/tools/define';
import type { AnyTool, ToolRunAs } from '../../src/activities/tools/define';

/** One attempt of a lookup tool in this process. */
export interface LookupExecution {
  tool: string;
  key: string;
  attempt: number;
  /** The call's abort signal fired while it ran. */
  aborted?: boolean;
  finished?: boolean;
}

/** Every attempt of the lookup tools in this process, in start order. */
export const lookups: LookupExecution[] = [];

/**
 * A read tool that answers `value of <key>`: it reports progress with a heartbeat, can wait `delayMs` (stopping
 * when its signal fires) and can fail its first attempt, to prove retries.
 */
export function lookupTool(
  name: string,
  runAs: ToolRunAs | undefined,
  extra: { needsApproval?: boolean } = {},
): AnyTool {
  return defineTool({
    name,
    description: 'Looks a key up in a local table. Use it for any key the user names.',
    input: z.object({
      key: z.string().min(1),
      delayMs: z.number().int().min(0).max(20_000).optional(),
      failFirst: z.boolean().optional(),
    }),
    effect: 'read',
    timeout: '15s',
    ...(runAs ? { runAs } : {}),
    ...extra,
    async run({ key, delayMs, failFirst }, ctx) {
      const execution: LookupExecution = { tool: name, key, attempt: ctx.attempt };
      lookups.push(execution);
      ctx.heartbeat({ looking: key });
      if (delayMs) {
        try {
          await sleep(delayMs, undefined, { signal: ctx.signal });
        } catch (err) {
          execution.aborted = ctx.signal.aborted;
          throw err;
        }
      }
      if (failFirst && ctx.attempt === 1) throw new Error(`the table for ${key} is still loading`);
      execution.finished = true;
      return `value of ${key}`;
    },
  });
}

export default [lookupTool('lookup_local', 'localActivity')];
