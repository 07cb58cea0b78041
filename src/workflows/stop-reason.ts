// What the loop does with each stop_reason (DESIGN.md, "Stop reasons"). Pure, unit-tested without a server.
import { RunErrorType } from '../shared/errors';
import type { StopReason } from '../shared/messages';

/** The loop's next step after a model call. */
type StopAction =
  | { kind: 'run_tools' }
  | { kind: 'finish' }
  | { kind: 'resend' }
  | { kind: 'refused' }
  | { kind: 'continue_after_max_tokens' }
  | {
      kind: 'fail';
      errorType:
        | typeof RunErrorType.MaxTokensReached
        | typeof RunErrorType.ContextWindowExceeded
        | typeof RunErrorType.UnknownStopReason
        | typeof RunErrorType.ToolUseWithoutToolCall;
      message: string;
    };

/** Facts about the call that the policy needs to word its errors. */
export interface StopContext {
  maxTokens: number;
  inputTokens: number;
  onMaxTokens: 'fail' | 'continue';
  /** The reply holds a tool_use block (a reply cut at max_tokens may hold a partial one). */
  hasToolUse: boolean;
}

/** Maps a stop reason to the loop's next step; unknown reasons fail rather than pass silently. */
export function decideStop(stopReason: StopReason | string | null, ctx: StopContext): StopAction {
  switch (stopReason) {
    case 'tool_use':
      // Running no tools would send an empty user turn, which the API refuses. Finishing with the text would
      // accept as complete a reply the model itself marked as unfinished, so, like an unknown stop reason,
      // it fails with a type of its own.
      if (!ctx.hasToolUse)
        return {
          kind: 'fail',
          errorType: RunErrorType.ToolUseWithoutToolCall,
          message:
            'The model stopped with stop_reason "tool_use" but its reply holds no tool_use block, so there is no tool to run and the reply is not a final answer. This is a fault of the model endpoint; start the run again.',
        };
      return { kind: 'run_tools' };
    case 'end_turn':
    case 'stop_sequence':
      return { kind: 'finish' };
    case 'pause_turn':
      return { kind: 'resend' };
    case 'refusal':
      return { kind: 'refused' };
    case 'max_tokens':
      // A reply cut inside a tool_use block has incomplete input, so it cannot be continued safely.
      if (ctx.onMaxTokens === 'continue' && !ctx.hasToolUse) return { kind: 'continue_after_max_tokens' };
      return {
        kind: 'fail',
        errorType: RunErrorType.MaxTokensReached,
        message:
          `The model's reply was cut off at max_tokens (${ctx.maxTokens} tokens), so the answer is incomplete. ` +
          (ctx.hasToolUse
            ? 'The reply was cut inside a tool call, which cannot be continued. '
            : 'Set onMaxTokens: "continue" to let the run ask the model to go on. ') +
          'Raise limits.maxTokens to allow longer replies.',
      };
    case 'model_context_window_exceeded':
      return {
        kind: 'fail',
        errorType: RunErrorType.ContextWindowExceeded,
        message:
          `The conversation no longer fits the model's context window (the last request had ${ctx.inputTokens} input tokens). ` +
          'Shorten the tool results or the prompt, or start a new run with a summary of this one.',
      };
    default:
      return {
        kind: 'fail',
        errorType: RunErrorType.UnknownStopReason,
        message: `The model stopped with an unknown stop_reason ${JSON.stringify(stopReason)}; the run cannot tell whether the reply is complete.`,
      };
  }
}
