// The failure converter of clients and workers that encrypt. A failure's message and stack trace are plain
// strings in history unless they are moved into `encodedAttributes`, a payload that goes through the codecs
// like any other; Temporal's own converter does that when asked. Workers load this module by path (the
// workflow sandbox bundles it), so it exports the converter under the name the SDK looks for.
import { ApplicationFailure, DefaultFailureConverter } from '@temporalio/common';
import type { PayloadConverter, ProtoFailure, SerializationContext } from '@temporalio/common';

const encoding = new DefaultFailureConverter({ encodeCommonAttributes: true });
const plain = new DefaultFailureConverter();

/**
 * Moves message and stack trace of every failure into its encoded (so encrypted) attributes, except the codecs'
 * own errors: they hold no content (key IDs, encodings, settings), and they are for whoever lacks the key, such
 * as a person who started a run with the temporal CLI and must read why the workers refuse it.
 */
export const failureConverter = {
  errorToFailure(
    err: unknown,
    payloadConverter: PayloadConverter,
    context?: SerializationContext,
  ): ProtoFailure {
    // Matched by name and shape: this module runs in the workflow sandbox, which must not load the codecs.
    const type = (err as { type?: unknown } | null)?.type;
    if (err instanceof Error && err.name === 'CodecError' && typeof type === 'string') {
      const failure = ApplicationFailure.create({ type, message: err.message });
      return plain.errorToFailure(failure, payloadConverter, context);
    }
    return encoding.errorToFailure(err, payloadConverter, context);
  },
  failureToError(
    failure: ProtoFailure,
    payloadConverter: PayloadConverter,
    context?: SerializationContext,
  ): Error {
    return encoding.failureToError(failure, payloadConverter, context);
  },
};
