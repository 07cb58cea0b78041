// Errors of the message store. They say which store failed and what to do, and carry the stable type the
// activities report them under, so a full disk is never mistaken for a failure of the Messages API.
import { ApplicationFailure } from '@temporalio/common';
import { StoreErrorType } from '../shared/errors';

/** The environment variable of the local store's directory, quoted in messages. */
export const STORE_DIR_ENV = 'DURABLE_AGENT_STORE_DIR';

// Each error's name is its stable type: Temporal reports an activity's plain Error under its name, so every
// activity that lets one through (pinRun, appendTranscript) reports the same type as callClaude does.

/** The store could not be written or read: a full disk, missing permissions, a storage driver that is down. */
export class MessageStoreUnavailableError extends Error {
  override name = StoreErrorType.Unavailable;
  readonly type = StoreErrorType.Unavailable;
}

/** The content could not be found: a store that is not shared by every worker, or content deleted too early. */
export class MissingContentError extends Error {
  override name = StoreErrorType.ContentMissing;
  readonly type = StoreErrorType.ContentMissing;
}

/** Model calls give up on missing content after this many attempts: another worker will not find it either. */
const MISSING_CONTENT_ATTEMPTS = 3;

/**
 * The activity failure for a store error (undefined for any other error). Missing content is retried a few
 * times, since one misconfigured worker may be answered by a well-configured one, then becomes final.
 */
export function storeFailure(err: unknown, attempt: number): ApplicationFailure | undefined {
  if (err instanceof MessageStoreUnavailableError) {
    return ApplicationFailure.create({ type: err.type, message: err.message });
  }
  if (err instanceof MissingContentError) {
    const final = attempt >= MISSING_CONTENT_ATTEMPTS;
    return ApplicationFailure.create({
      type: err.type,
      message: final ? `${err.message} (gave up after ${attempt} attempts)` : err.message,
      nonRetryable: final,
    });
  }
  return undefined;
}

/** Why an fs call failed, for messages: the errno code and what it said. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const message = err instanceof Error ? err.message : String(err);
  return code && !message.startsWith(code) ? `${code}: ${message}` : message;
}
