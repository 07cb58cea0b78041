import type Anthropic from '@anthropic-ai/sdk';
import type { AppendTranscriptInput } from '../shared';
import { createCallClaude } from './call-claude';
import type { ModelCallLimits } from './call-claude';
import { createFitContext } from './compact';
import { createStoreToolCalls } from './ledger';
import { createPinParsed, createPinRun } from './pin-run';
import { createPinSession } from './pin-session';
import { createRedact, secretsFromEnv } from './redact';
import type { Redact } from './redact';
import { createReconcileTool, createRunTool } from './run-tool';
import type { ToolRuntime } from './run-tool';
import { StuckCalls, TOOL_STOP_GRACE_MS } from './stuck-calls';
import type { MessageStore } from '../store';
import type { ToolRegistry } from './tools/registry';
import { Transcripts } from '../store';
import { createPublishEvents } from './stream-events';
import { StreamWriter } from '../streams/writer';
import type { StreamBackend } from '../streams/backend';

// The contract moved to src/shared/activity-contract.ts; kept here for code that still imports it from here.
export type { CallClaudeInput, CallClaudeOutput } from '../shared';

/** What the activities need from the worker. */
export interface ActivityDeps {
  anthropic: Anthropic;
  tools: ToolRegistry;
  /** Where message content kept out of history lives; every worker of a task queue must share it. */
  store: MessageStore;
  /** Removes the worker's secrets from tool results and errors; by default those of the environment. */
  redact?: Redact;
  /** Where tool calls that ignore their abort signal are recorded, and how long they get after it. */
  stuckCalls?: StuckCalls;
  toolStopGraceMs?: number;
  /** Stream idle timeout and retry-after cap of model calls; defaults where not given. */
  modelCallLimits?: Partial<ModelCallLimits>;
  /** The heartbeat timeout pinned into each run's plan; DEFAULT_HEARTBEAT_TIMEOUT_MS (2 s) when not given. */
  heartbeatTimeoutMs?: number;
  /** Where runs' live events go (DURABLE_AGENT_STREAM); none when not given. */
  streams?: StreamBackend;
}

/** Builds every activity of the runtime from its dependencies. */
export function createActivities(deps: ActivityDeps) {
  const { anthropic, tools, store, modelCallLimits } = deps;
  const transcripts = new Transcripts(store);
  const streams = deps.streams ? new StreamWriter(deps.streams) : undefined;
  const runtime: ToolRuntime = {
    ...(streams ? { streams } : {}),
    redact: deps.redact ?? createRedact(secretsFromEnv()),
    stuck: deps.stuckCalls ?? new StuckCalls(),
    stopGraceMs: deps.toolStopGraceMs ?? TOOL_STOP_GRACE_MS,
  };
  return {
    pinRun: createPinRun(tools, transcripts, deps.heartbeatTimeoutMs),
    pinSession: createPinSession(createPinParsed(tools, transcripts, deps.heartbeatTimeoutMs)),
    /** Appends messages to a stored transcript (the last tool results of a run that stops before its next call). */
    async appendTranscript(request: AppendTranscriptInput): Promise<string | null> {
      return transcripts.append(request.head, request.append);
    },
    storeToolCalls: createStoreToolCalls(transcripts),
    callClaude: createCallClaude(anthropic, transcripts, modelCallLimits, streams),
    /** Counts the next request and, over the run's threshold, replaces its oldest turns with a summary. */
    fitContext: createFitContext(anthropic, transcripts),
    runTool: createRunTool(tools, transcripts, runtime),
    reconcileTool: createReconcileTool(tools, transcripts, runtime.redact),
    publishEvents: createPublishEvents(streams),
  };
}

/** The activity functions, for typing workflow proxies. */
export type Activities = ReturnType<typeof createActivities>;
