// A tool with `isolation: 'process'` runs each call in a child process of its own. A call the tool will not stop
// is then ended by SIGKILL (its slot and everything it held are freed), and a tool that calls process.exit or
// crashes ends its own process, not the worker with other runs' calls in it. Child processes rather than worker
// threads: a thread shares the worker's memory and native handles, and a thread stuck in native code cannot be
// stopped, while a process can always be killed.
import { fork } from 'node:child_process';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ToolErrorType } from '../shared';
import type { ToolCallInput, ToolEffect } from '../shared';
import { toolHeartbeat } from './heartbeat';
import { redactDeep } from './redact';
import type { Redact } from './redact';
import type { AnyTool, ToolContext } from './tools/define';

/** What the child needs to run one call: the tool's module, its name, the validated input and the call's context. */
export interface RunMessage {
  kind: 'run';
  module: string;
  tool: string;
  input: unknown;
  context: Pick<ToolContext, 'idempotencyKey' | 'attempt' | 'workflowId' | 'toolUseId'>;
}

/** Messages from the worker to the child. */
export type ParentMessage = RunMessage | { kind: 'abort'; reason: string };

/** Messages from the child to the worker: the result already turned into text, since only JSON crosses over. */
export type ChildMessage =
  | { kind: 'heartbeat'; details?: unknown }
  | { kind: 'result'; text: string; lost: string[] }
  | { kind: 'error'; message: string; type?: string; nonRetryable?: boolean };

/** The text of an isolated call's result, and what JSON could not hold (empty when nothing). */
interface IsolatedResult {
  text: string;
  lost: string[];
}

/** How an isolated call is run and stopped. */
interface IsolatedRun {
  effect: ToolEffect;
  /** Fires when the call is cancelled or timed out; the child is told, then killed `graceMs` later. */
  signal: AbortSignal;
  graceMs: number;
  heartbeat(details?: unknown): void;
}

const CHILD_MAIN = require.resolve('./tool-process');

/**
 * Runs one call in a child process and resolves with its result; rejects with what the tool threw (rebuilt
 * from its message and type), with the signal's reason once stopped, or with ToolProcessExited (for an
 * `unsafe` tool ToolOutcomeUnknown, since it may have taken effect) when the child ended without answering.
 */
function runIsolated(call: Omit<RunMessage, 'kind'>, run: IsolatedRun): Promise<IsolatedResult> {
  return new Promise<IsolatedResult>((resolve, reject) => {
    // The child's output goes to the worker's own stdout and stderr, where its crash is explained.
    const child = fork(CHILD_MAIN, [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // The worker's flags load TypeScript (tsx) in the child too; a debugger port would clash with the worker's.
      execArgv: process.execArgv.filter((arg) => !arg.startsWith('--inspect')),
    });
    let answer: ChildMessage | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      const reason = run.signal.reason instanceof Error ? run.signal.reason.message : 'the call was stopped';
      if (child.connected) child.send({ kind: 'abort', reason } satisfies ParentMessage, () => undefined);
      killTimer = setTimeout(() => child.kill('SIGKILL'), run.graceMs);
    };
    child.on('message', (message: ChildMessage) => {
      if (message.kind === 'heartbeat') run.heartbeat(message.details);
      else answer = message;
    });
    child.once('error', (err) => {
      child.kill('SIGKILL');
      reject(new Error(`could not start a process for tool "${call.tool}": ${err.message}`));
    });
    // 'close' comes after the last message, so an answer sent just before the child exits is not missed.
    child.once('close', (code, signal) => {
      clearTimeout(killTimer);
      run.signal.removeEventListener('abort', onAbort);
      if (answer?.kind === 'result') return resolve({ text: answer.text, lost: answer.lost });
      if (answer?.kind === 'error') return reject(rebuild(answer));
      if (run.signal.aborted) return reject(run.signal.reason ?? new Error('the call was stopped'));
      reject(exited(call.tool, run.effect, code, signal));
    });
    if (run.signal.aborted) onAbort();
    else run.signal.addEventListener('abort', onAbort, { once: true });
    child.send({ kind: 'run', ...call } satisfies ParentMessage, () => undefined);
  });
}

/**
 * Runs one call of the tool activity in a child process that loads `module`; returns the result's text, which
 * the activity then handles as any tool's result.
 */
export async function runInChild(
  module: string,
  tool: AnyTool,
  input: unknown,
  call: ToolCallInput,
  workflowId: string,
  { redact, stopGraceMs }: { redact: Redact; stopGraceMs: number },
): Promise<string> {
  const ctx = Context.current();
  const { text, lost } = await runIsolated(
    {
      module,
      tool: tool.name,
      input,
      context: {
        idempotencyKey: `${workflowId}/${call.toolUseId}`,
        attempt: ctx.info.attempt,
        workflowId,
        toolUseId: call.toolUseId,
      },
    },
    {
      effect: tool.effect,
      signal: ctx.cancellationSignal,
      graceMs: stopGraceMs,
      heartbeat: toolHeartbeat(ctx, (details) => redactDeep(details, redact)),
    },
  );
  if (lost.length > 0) {
    ctx.log.warn(`tool "${tool.name}" returned values JSON cannot hold: ${redact(lost.join('; '))}`, {
      tool: tool.name,
    });
  }
  return text;
}

function rebuild(error: Extract<ChildMessage, { kind: 'error' }>): Error {
  if (error.type === undefined) return new Error(error.message);
  return ApplicationFailure.create({
    type: error.type,
    message: error.message,
    nonRetryable: error.nonRetryable ?? false,
  });
}

function exited(
  tool: string,
  effect: ToolEffect,
  code: number | null,
  signal: string | null,
): ApplicationFailure {
  const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
  const what = `the process running tool "${tool}" ${how} before it answered (${ToolErrorType.ProcessExited}: the tool called process.exit or crashed; the worker's log has its output)`;
  // An unsafe call may have done its work just before the process ended: it must not be called failed.
  if (effect === 'unsafe') {
    return ApplicationFailure.create({
      type: ToolErrorType.OutcomeUnknown,
      message: what,
      nonRetryable: true,
    });
  }
  return ApplicationFailure.create({ type: ToolErrorType.ProcessExited, message: what, nonRetryable: false });
}
