// The run-input failure thrown by activities (pinRun and its parts), the same as the workflow's own (`invalidInput`
// in src/workflows/checks.ts) so callers see one error type and message form wherever the problem was found.
import type { ApplicationFailure } from '@temporalio/activity';
import { RunErrorType } from '../shared';
import { inputFailure } from '../shared/input-failure';

/** A non-retryable InvalidAgentInput failure listing every problem, each saying what to change. */
export function invalidAgentInput(problems: string[]): ApplicationFailure {
  return inputFailure(RunErrorType.InvalidAgentInput, 'run', problems);
}
