// The run-input failure thrown by activities (pinRun and its parts), shaped like the workflow's own (`invalidInput`
// in src/workflows/checks.ts) so callers see one error type and message form wherever the problem was found.
import { ApplicationFailure } from '@temporalio/activity';
import { RunErrorType } from '../shared';

/** A non-retryable InvalidAgentInput failure listing every problem, each saying what to change. */
export function invalidAgentInput(problems: string[]): ApplicationFailure {
  return ApplicationFailure.create({
    type: RunErrorType.InvalidAgentInput,
    nonRetryable: true,
    message: `The run input is invalid:\n- ${problems.join('\n- ')}`,
    details: [{ problems }],
  });
}
