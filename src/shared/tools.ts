// What the workflow knows of a tool: a JSON description, pinned at the start of a run. The tool's code and
// zod schema stay on the worker.

/** How a tool's side effect constrains retries (see DESIGN.md, "Tools and side effects"). */
export type ToolEffect = 'read' | 'idempotent' | 'unsafe';

/** JSON description of a registered tool, as recorded in the run's history. */
export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the input, derived from the tool's zod schema; sent with `strict: true` where it allows. */
  inputSchema: Record<string, unknown>;
  effect: ToolEffect;
  /** Start-to-close timeout of one attempt. */
  timeoutMs: number;
  /** Attempts at most (1 for `unsafe`). */
  maxAttempts: number;
  needsApproval: boolean;
  /** The tool can say, after an attempt whose outcome is unknown, whether that attempt took effect. */
  reconcilable: boolean;
  /** Hash of name, input schema and effect, so a changed deployment can be detected. */
  schemaHash: string;
  /**
   * Calls run as local activities (`runAs: 'localActivity'`); absent otherwise, so the pins of other tools stay
   * as they were. Read from the pinned plan, so a deploy that flips it does not change an open run's calls.
   */
  local?: true;
}

/** Input of the tool-call activity. */
export interface ToolCallInput {
  name: string;
  toolUseId: string;
  input: unknown;
  /** Schema hash pinned at the start of the run; the worker refuses to run a tool whose schema changed. */
  schemaHash: string;
  /** The turn that asked for the call, for its stream events (absent in calls scheduled by older versions). */
  turn?: number;
}

/** Output of the tool-call activity: the text for the tool_result block, or its reference when large. */
export interface ToolCallOutput {
  content?: string;
  contentRef?: string;
  /** `contentRef` holds content blocks (text and images) as JSON, not text. */
  blocks?: true;
  /** Size of the result text in bytes. */
  bytes: number;
  attempt: number;
}

/** What a tool's `reconcile` answers: whether the call with that idempotency key took effect. */
export type Reconciliation = { happened: true; result?: unknown } | { happened: false };

/** Output of the reconcile activity; when it happened, the tool_result text as for a tool call. */
export interface ReconcileOutput {
  happened: boolean;
  content?: string;
  contentRef?: string;
}
