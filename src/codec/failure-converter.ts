// The failure converter of clients and workers that encrypt. A failure's message and stack trace are plain
// strings in history unless they are moved into `encodedAttributes`, a payload that goes through the codecs
// like any other; Temporal's own converter does that when asked. Workers load this module by path (the
// workflow sandbox bundles it), so it exports the converter under the name the SDK looks for.
import { DefaultFailureConverter } from '@temporalio/common';

/** Moves message and stack trace of every failure into its encoded (so encrypted) attributes. */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
