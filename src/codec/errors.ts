// Errors of the payload codecs. The `type` strings are stable: tests and users' scripts match on them.

/** Stable error types of the payload codecs and their configuration. */
export const CodecErrorType = {
  /** An encryption key, key ID or key list in the environment is malformed. */
  InvalidKeyConfig: 'InvalidEncryptionKeyConfig',
  /** A payload names a key ID this process does not hold. */
  UnknownKey: 'UnknownEncryptionKey',
  /** AES-GCM authentication failed: the payload was altered, or the key under its ID is not the one that wrote it. */
  DecryptionFailed: 'PayloadDecryptionFailed',
  /** A payload carries a codec's marker but its bytes are not what that codec writes. */
  MalformedPayload: 'MalformedEncodedPayload',
  /** A worker that holds a key got a payload that is not encrypted (from a client without the key). */
  PlaintextRefused: 'PlaintextPayloadRefused',
} as const;

/** One of the `CodecErrorType` strings. */
export type CodecErrorTypeName = (typeof CodecErrorType)[keyof typeof CodecErrorType];

/** A codec or key-configuration failure with a stable `type` and a message that says what to do. */
export class CodecError extends Error {
  override name = 'CodecError';
  constructor(
    readonly type: CodecErrorTypeName,
    message: string,
  ) {
    super(message);
  }
}
