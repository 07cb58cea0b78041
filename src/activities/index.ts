import type Anthropic from '@anthropic-ai/sdk';
import type { MessageParam } from '../shared';
import { createCallClaude } from './call-claude';
import { createStoreToolCalls } from './ledger';
import { createPinRun } from './pin-run';
import { createReconcileTool, createRunTool } from './run-tool';
import type { MessageStore } from './store/message-store';
import type { ToolRegistry } from './tools/registry';
import { Transcripts } from './transcript';

export type { CallClaudeInput, CallClaudeOutput } from './call-claude';

/** What the activities need from the worker. */
export interface ActivityDeps {
  anthropic: Anthropic;
  tools: ToolRegistry;
  /** Where message content kept out of history lives; every worker of a task queue must share it. */
  store: MessageStore;
}

/** Builds every activity of the runtime from its dependencies. */
export function createActivities({ anthropic, tools, store }: ActivityDeps) {
  const transcripts = new Transcripts(store);
  return {
    pinRun: createPinRun(tools, transcripts),
    /** Appends messages to a stored transcript (the last tool results of a run that stops before its next call). */
    async appendTranscript(request: { head: string | null; append: MessageParam[] }): Promise<string | null> {
      return transcripts.append(request.head, request.append);
    },
    storeToolCalls: createStoreToolCalls(transcripts),
    callClaude: createCallClaude(anthropic, transcripts),
    runTool: createRunTool(tools, transcripts),
    reconcileTool: createReconcileTool(tools, transcripts),
  };
}

/** The activity functions, for typing workflow proxies. */
export type Activities = ReturnType<typeof createActivities>;
