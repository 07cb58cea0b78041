// One shape for input failures, whoever finds the problem: the workflow's own checks and the pinning activities
// (pinRun, pinSession) throw the same type and message form, so a caller reads one error however it got there.
import { ApplicationFailure } from '@temporalio/common';

/** A non-retryable failure of `type` listing every problem of the run's or session's input, one line each. */
export function inputFailure(type: string, what: 'run' | 'session', problems: string[]): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    nonRetryable: true,
    message: `The ${what} input is invalid:\n- ${problems.join('\n- ')}`,
    details: [{ problems }],
  });
}
