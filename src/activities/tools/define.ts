import { ApplicationFailure } from '@temporalio/common';
import type { Duration } from '@temporalio/common';
import type { z } from 'zod';
import { ToolErrorType } from '../../shared';
import type { Reconciliation, ToolEffect } from '../../shared';

/** What a tool's `run` receives besides its input. */
export interface ToolContext {
  /** `${workflowId}/${toolUseId}`: the same on every attempt and every worker; pass it to systems with native idempotency keys. */
  idempotencyKey: string;
  /** Fires when the run is cancelled or the activity times out; pass it to fetch and other I/O. */
  signal: AbortSignal;
  /** Reports liveness (and optional progress) to Temporal; the runtime also heartbeats on a timer. A no-op in a local activity. */
  heartbeat(details?: unknown): void;
  /** 1 on the first attempt. */
  attempt: number;
  workflowId: string;
  toolUseId: string;
}

/** Where a tool's calls run: in a child process per call, or in the worker's own process. */
export type ToolIsolation = 'process' | 'none';

/** How a tool's calls are scheduled: as regular activities, or as local activities of the run's workflow task. */
export type ToolRunAs = 'activity' | 'localActivity';

/** A tool: plain data plus a handler. `input` is a zod object schema; the JSON Schema sent to Claude comes from it. */
export interface Tool<S extends z.ZodObject = z.ZodObject> {
  /** Name the model calls it by: letters, digits, `_` and `-`, at most 64 characters. */
  name: string;
  /** What it does, when to use it and when not to: the model reads this. */
  description: string;
  input: S;
  effect: ToolEffect;
  /** Start-to-close timeout of one attempt (milliseconds or a string such as '30s'); default 30 s. */
  timeout?: Duration;
  /** Extra attempts after the first for `read` and `idempotent` tools (default 2); `unsafe` tools get none. */
  retries?: number;
  /** Waits for the `approve` update before running. */
  needsApproval?: boolean;
  /**
   * Where each call's `run` runs. 'process': in a child process of its own, which is killed once the call is
   * stopped and its grace period has passed, and whose crash or `process.exit` fails only that call; the tool
   * must come from a tool module (DURABLE_AGENT_TOOLS), which the child loads. 'none': in the worker's process.
   * Default: DURABLE_AGENT_TOOL_ISOLATION, else 'none'.
   */
  isolation?: ToolIsolation;
  /**
   * How each call is scheduled. 'activity' (the default): a regular activity, which heartbeats and can run on any
   * worker. 'localActivity': a local activity, run by the worker that runs the workflow task, which saves a server
   * round trip and a workflow task per tool turn; only for short `read` tools with `isolation: 'none'`, since a
   * worker crash is noticed only when the workflow task times out and the call sends no heartbeats (README,
   * "Short read tools as local activities"). A run keeps the choice it was started with.
   */
  runAs?: ToolRunAs;
  /** Does the work; a string is sent to the model as is, anything else as JSON. */
  run(input: z.output<S>, ctx: ToolContext): unknown;
  /**
   * For `unsafe` tools: asked, after an attempt whose outcome is unknown (it timed out, or its worker died),
   * whether the call with this idempotency key took effect. Runs as its own activity, with retries.
   */
  reconcile?(idempotencyKey: string, ctx: { signal: AbortSignal }): Reconciliation | Promise<Reconciliation>;
}

/** Types a tool; returns it unchanged. */
export function defineTool<S extends z.ZodObject>(tool: Tool<S>): Tool<S> {
  return tool;
}

/** A tool with its schema type erased, as stored in a registry. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTool = Tool<any>;

/**
 * The error to throw when a request may have taken effect but no answer came back (a connection cut after the
 * request was sent). For an `unsafe` tool the runtime then calls `reconcile`, or reports outcome_unknown,
 * instead of "failed"; `read` and `idempotent` tools are retried as for any error.
 */
export function outcomeUnknown(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: ToolErrorType.OutcomeUnknown, message, nonRetryable: false });
}
