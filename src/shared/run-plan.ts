// What a run decides once, at its start: its input resolved (defaults filled in), its limits and its prices,
// and what it knows of its tools. The pinRun activity works it out and its result is recorded in history, so a
// deploy that changes a default, a price or a schema bound never changes the decisions of a run in flight.
// Type-only imports: the workflow bundle carries neither zod nor the price table.
import type { ContextPlan } from './context';
import type { Limits, Pricing } from './input';
import type { MessageParam } from './messages';
import type { OutputPlan } from './output';
import type { RequestParams } from './request-params';
import type { ToolSpec } from './tools';

/** How the model may choose tools (the Messages API's tool_choice, minus the parallel flag). */
export type ToolChoice = { type: 'auto' | 'any' | 'none' } | { type: 'tool'; name: string };

/** What the workflow needs of a tool to schedule and judge its calls; its description and schema stay in the store. */
export type ToolPolicy = Omit<ToolSpec, 'description' | 'inputSchema'>;

/** The run input with every default applied, and the prices that apply to it. */
export interface RunPlan {
  model: string;
  limits: Limits;
  pricing: Pricing;
  toolChoice?: ToolChoice;
  parallelToolCalls: boolean;
  onMaxTokens: 'fail' | 'continue';
  promptCaching: boolean;
  /** Sampling and request settings sent with every model call; absent when the run gave none. */
  requestParams?: RequestParams;
  /** The run's sub-agents, each a tool whose calls are child runs (absent when it has none). */
  subagents?: SubagentPolicy[];
  /** How the run gets its structured output; absent when it asks for none. */
  output?: OutputPlan;
  /** The heartbeat timeout of the run's model and tool calls; absent in plans pinned before it was a setting. */
  heartbeatTimeoutMs?: number;
  /** How the run keeps its requests inside the context window; absent in plans pinned before it was a setting. */
  context?: ContextPlan;
  /** The run publishes its end to its event stream (publishEvents); absent in plans pinned before streams. */
  streamEvents?: true;
  /** The run upserts only the search attributes that changed; absent in plans pinned before it did. */
  upsertChanged?: true;
  /**
   * With `upsertChanged`: turn, tokens and cost alone are upserted every this many model calls (any other change
   * takes them along); absent in plans pinned before, which upserted them after every model call.
   */
  progressEvery?: number;
}

/** How often a new run upserts its progress attributes on their own, in model calls (RunPlan.progressEvery). */
export const PROGRESS_EVERY_CALLS = 4;

/**
 * The heartbeat timeout pinned into new runs when DURABLE_AGENT_HEARTBEAT_TIMEOUT_SECONDS is unset: a dead
 * worker's call is retried elsewhere within about 2.5 s (this, minus the time since its last beat, plus the
 * retry interval), while a live worker beating every second may fall a full second behind before it counts as
 * dead (BENCHMARKS.md (d) and (f) measure both).
 */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 2_000;

/** The heartbeat timeout of runs pinned before it was a setting: their plans have none, and they keep 5 s. */
export const LEGACY_HEARTBEAT_TIMEOUT_MS = 5_000;

/** What the workflow needs to start a sub-agent's child run: its name and the child's input but the task. */
export interface SubagentPolicy {
  name: string;
  /** The child run's input without its prompt; its limits are capped by what the parent has left at the call. */
  child: ChildRunInput;
}

/** The input of a sub-agent's child run, all but the prompt (JSON, already validated by the parent's pin). */
export interface ChildRunInput {
  model: string;
  system?: string;
  tools?: string[];
  limits: Limits;
  pricing?: Pricing;
  subagents?: unknown[];
  depth: number;
  maxSubagentDepth: number;
}

/** How deep sub-agents nest under the run started from outside unless the run says otherwise. */
export const DEFAULT_MAX_SUBAGENT_DEPTH = 2;
/** The deepest nesting a run may ask for: every level multiplies the runs one call can start. */
export const MAX_SUBAGENT_DEPTH = 5;

/** What `pinRun` returns: the plan, the tools' policies, and the stored request parts and first messages. */
export interface PinnedRun {
  plan: RunPlan;
  tools: ToolPolicy[];
  /** Reference of the stored request parts that never change (tools, system prompt). */
  pinned: string;
  /** Head of the stored transcript holding the run's first messages. */
  head: string | null;
  messages: number;
}

/** What the workflow sends `pinRun`: the run input exactly as it was given. */
export interface PinRunInput {
  input: unknown;
}

/** The longest model name a run accepts; it becomes a search attribute, which the server caps. */
export const MAX_MODEL_NAME_CHARS = 200;

/** The run's first messages, from its prompt or conversation. */
export function firstMessages(input: {
  prompt?: string | undefined;
  messages?: MessageParam[] | undefined;
}): MessageParam[] {
  return input.messages ?? [{ role: 'user', content: input.prompt ?? '' }];
}
