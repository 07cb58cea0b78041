// Turns each way a tool call can end into a tool_result the model can act on, written by the runtime (never a
// raw stack) and a ledger entry. Pure: unit-tested without a server.
import { ActivityFailure, ApplicationFailure, CancelledFailure, TimeoutFailure } from '@temporalio/workflow';
import { ToolErrorType } from '../shared/errors';
import type { ToolResultBlock, ToolUseBlock } from '../shared/messages';
import type { ChildRunRecord, ToolCallRecord, ToolCallStatus } from '../shared/result';
import type { ToolPolicy } from '../shared/run-plan';
import type { ReconcileOutput } from '../shared/tools';

const MAX_ERROR_CHARS = 600;

/** How one tool call ended, before it is written as a block. */
export interface ToolOutcome {
  status: ToolCallStatus;
  /** The tool_result text, or (for a large result) empty with `contentRef` set. */
  content: string;
  contentRef?: string;
  /** `contentRef` holds content blocks (text and images), not text. */
  blocks?: true;
  attempts: number;
  /** The outcome was learned from the tool's `reconcile` after the attempt was lost. */
  reconciled?: boolean;
  error?: { type: string; message: string };
  /** The child run of a sub-agent call. */
  child?: ChildRunRecord;
}

/** The tool_result block and ledger entry for a finished call. */
export function toolResult(
  call: ToolUseBlock,
  outcome: ToolOutcome,
  durationMs: number,
  spec?: ToolPolicy,
): { block: ToolResultBlock; record: ToolCallRecord } {
  const isError = outcome.status !== 'succeeded';
  const block: ToolResultBlock =
    outcome.contentRef !== undefined
      ? { type: 'tool_result', tool_use_id: call.id, content_ref: outcome.contentRef }
      : { type: 'tool_result', tool_use_id: call.id, content: outcome.content };
  if (outcome.blocks && outcome.contentRef !== undefined) block.blocks = true;
  if (isError) block.is_error = true;
  const record: ToolCallRecord = {
    toolUseId: call.id,
    name: call.name,
    input: call.input,
    status: outcome.status,
    attempts: outcome.attempts,
    durationMs,
  };
  if (spec) record.effect = spec.effect;
  if (outcome.reconciled) record.reconciled = true;
  if (outcome.error) record.error = outcome.error;
  if (outcome.child) record.child = outcome.child;
  return { block, record };
}

/** Outcome for a call naming a tool this run does not have. */
export function unknownToolOutcome(name: string, available: string[]): ToolOutcome {
  const list = available.length > 0 ? available.map((n) => `"${n}"`).join(', ') : 'none';
  return failure(
    'unknown_tool',
    ToolErrorType.UnknownTool,
    0,
    `there is no tool named "${name}" in this run. Available tools: ${list}. Do not call "${name}" again; use one of the available tools or answer without it.`,
  );
}

/** Outcome for a call beyond `maxToolCallsPerTurn`. */
export function overCapOutcome(name: string, requested: number, cap: number): ToolOutcome {
  return failure(
    'skipped',
    ToolErrorType.TooManyCalls,
    0,
    `not run: this turn asked for ${requested} tool calls and at most ${cap} run per turn. Call "${name}" again in your next turn if you still need it.`,
  );
}

/** Outcome for a successful call. */
export function successOutcome(
  output: { content?: string; contentRef?: string; blocks?: true },
  attempts: number,
): ToolOutcome {
  if (output.contentRef !== undefined && output.blocks) {
    return { status: 'succeeded', content: '', contentRef: output.contentRef, blocks: true, attempts };
  }
  return output.contentRef !== undefined
    ? { status: 'succeeded', content: '', contentRef: output.contentRef, attempts }
    : { status: 'succeeded', content: output.content ?? '', attempts };
}

/** Outcome for a call whose activity failed, from the failure Temporal reported. */
export function failedOutcome(err: unknown, spec: ToolPolicy): ToolOutcome {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const exhausted = err instanceof ActivityFailure && err.retryState === 'MAXIMUM_ATTEMPTS_REACHED';
  const timeout = `${Math.round(spec.timeoutMs / 100) / 10}s`;

  if (cause instanceof TimeoutFailure) {
    const attempts = exhausted ? spec.maxAttempts : 1;
    if (spec.effect === 'unsafe')
      return unknownOutcome(spec.name, `it did not report back within ${timeout}`);
    return failure(
      'timed_out',
      ToolErrorType.Timeout,
      attempts,
      `"${spec.name}" did not finish within ${timeout} (${plural(attempts, 'attempt')}). The service may be slow; retrying later may help.`,
    );
  }
  if (cause instanceof CancelledFailure) {
    return failure('failed', ToolErrorType.Failed, 1, `"${spec.name}" was cancelled before it finished.`);
  }
  if (cause instanceof ApplicationFailure) {
    const attempts = attemptFrom(cause.details) ?? (exhausted ? spec.maxAttempts : 1);
    const detail = truncate(cause.message);
    if (cause.type === ToolErrorType.InvalidInput) {
      return failure(
        'invalid_input',
        ToolErrorType.InvalidInput,
        attempts,
        `the input for "${spec.name}" is invalid:\n${detail}\nFix the input to match the tool's schema and call it again.`,
      );
    }
    if (cause.type === ToolErrorType.OutcomeUnknown && spec.effect === 'unsafe') {
      return unknownOutcome(spec.name, detail);
    }
    if (cause.type === ToolErrorType.SchemaChanged || cause.type === ToolErrorType.UnknownTool) {
      return failure('failed', cause.type, attempts, `not run: ${detail}`);
    }
    const retryHint = cause.nonRetryable
      ? 'The tool marked this error as permanent; retrying the same call will not help.'
      : `It failed on each of ${plural(attempts, 'attempt')}; calling it again with the same input is unlikely to help.`;
    if (spec.effect === 'unsafe') {
      return failure(
        'failed',
        ToolErrorType.Failed,
        attempts,
        `"${spec.name}" failed: ${detail}. It was not retried because it has side effects. Do not tell the user it succeeded.`,
      );
    }
    return failure(
      'failed',
      ToolErrorType.Failed,
      attempts,
      `"${spec.name}" failed: ${detail}. ${retryHint}`,
    );
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return failure('failed', ToolErrorType.Failed, 1, `"${spec.name}" failed: ${truncate(message)}.`);
}

/** Outcome once reconcile has said whether an unsafe call whose attempt was lost took effect. */
export function reconciledOutcome(name: string, answer: ReconcileOutput): ToolOutcome {
  if (answer.happened) {
    // Like a tool's own result, reconcile's answer may have gone to the store: only its reference is here.
    if (answer.contentRef !== undefined)
      return {
        status: 'succeeded',
        attempts: 1,
        reconciled: true,
        content: '',
        contentRef: answer.contentRef,
      };
    return {
      status: 'succeeded',
      attempts: 1,
      reconciled: true,
      content: answer.content ?? 'it took effect',
    };
  }
  return {
    ...failure(
      'failed',
      ToolErrorType.Failed,
      1,
      `"${name}" did not take effect: its attempt was lost (it timed out or its worker stopped), and the tool confirmed that nothing happened. It is safe to call it again if still needed.`,
    ),
    reconciled: true,
  };
}

/** Outcome for an unsafe call that may or may not have taken effect. */
function unknownOutcome(name: string, why: string): ToolOutcome {
  return failure(
    'outcome_unknown',
    ToolErrorType.OutcomeUnknown,
    1,
    `outcome_unknown: "${name}" may or may not have taken effect (${why}). It was not retried, so that it cannot happen twice. Do not claim it succeeded; tell the user it must be checked before trying again.`,
  );
}

function failure(status: ToolCallStatus, type: string, attempts: number, message: string): ToolOutcome {
  return { status, attempts, content: `Tool call failed: ${message}`, error: { type, message } };
}

function attemptFrom(details: unknown[] | undefined | null): number | undefined {
  const first = details?.[0] as { attempt?: unknown } | undefined;
  return typeof first?.attempt === 'number' ? first.attempt : undefined;
}

function truncate(text: string): string {
  const clean = text.trim().replace(/\.$/, '');
  return clean.length > MAX_ERROR_CHARS ? `${clean.slice(0, MAX_ERROR_CHARS)}…` : clean;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
