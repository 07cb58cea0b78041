// The pinSession activity: a conversation's input is validated and its plan worked out once, at its start, like a
// run's (pinRun), and recorded in history, so later deploys never change the decisions of a session in flight.
import { parseSessionInput, SessionErrorType } from '../shared';
import type { PinnedSession, PinRunInput } from '../shared';
import { inputFailure } from '../shared/input-failure';
import type { createPinParsed } from './pin-run';

/** Builds the pinSession activity on the same pinning as runs. */
export function createPinSession(pinParsed: ReturnType<typeof createPinParsed>) {
  /** Validates the session input, pins its plan, tools and system prompt; the transcript starts empty. */
  return async function pinSession({ input: raw }: PinRunInput): Promise<PinnedSession> {
    const parsed = parseSessionInput(raw);
    if (!parsed.ok) {
      throw inputFailure(SessionErrorType.InvalidSessionInput, 'session', parsed.problems);
    }
    const run = await pinParsed(parsed.value.agent, []);
    const { maxTotalTokens, maxCostUsd, idleTimeoutSeconds } = parsed.value.session;
    return {
      run,
      session: {
        idleTimeoutMs: idleTimeoutSeconds * 1000,
        ...(maxTotalTokens !== undefined ? { maxTotalTokens } : {}),
        ...(maxCostUsd !== undefined ? { maxCostUsd } : {}),
      },
    };
  };
}
