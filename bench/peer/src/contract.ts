// What the bench (root project, @temporalio/client 1.24) and the peer worker (@temporalio/* 1.23) agree on.
// JSON only, and no imports, so both projects can read it without sharing a dependency.

/** Workflow type of a peer run. */
export const PEER_WORKFLOW = 'peerAgent';

/** Name of the one tool, the same as durable-agent's bench tool. */
export const PEER_TOOL = 'bench_step';

/** Input of a peer run. */
export interface PeerInput {
  prompt: string;
  model: string;
  maxTokens: number;
  /** The AI SDK's step limit (`stopWhen: stepCountIs(maxSteps)`): model calls at most. */
  maxSteps: number;
}

/** What a peer run returns. */
export interface PeerResult {
  text: string;
  steps: number;
  toolCalls: number;
}
