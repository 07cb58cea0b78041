// AES-256-GCM codec. Each payload gets its own random 96-bit IV (never reused under one key: GCM loses both
// confidentiality and integrity on reuse) and carries the ID of its key, so keys can rotate: new payloads use
// the current key, and payloads already in history decrypt with whichever known key their ID names.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { ENCRYPTION_ENV } from './env';
import { CodecError, CodecErrorType } from './errors';
import { ENCODING_KEY, metadataText, payloadFromBytes, payloadToBytes, textBytes } from './payload';

/** The `encoding` metadata of an encrypted payload: its data is IV ‖ ciphertext ‖ GCM tag of a serialized Payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata key naming the key a payload was encrypted with. */
export const KEY_ID_METADATA = 'encryption-key-id';

/** AES-256 key length in bytes. */
export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const CIPHER = 'aes-256-gcm';

/** A 32-byte AES key and the ID stored next to the payloads it encrypts. */
export interface EncryptionKey {
  id: string;
  key: Uint8Array;
}

/** The key to encrypt with, and retired keys that may still be needed to decrypt older payloads. */
export interface EncryptionKeyring {
  current: EncryptionKey;
  previous?: readonly EncryptionKey[];
}

/** Options of `EncryptionCodec`. */
export interface EncryptionCodecOptions {
  /**
   * Refuse to decode payloads that are not encrypted (workers do, unless DURABLE_AGENT_ALLOW_PLAINTEXT=1): a
   * client without the key must not be able to put a prompt into history in the clear unnoticed.
   */
  refusePlaintext?: boolean;
}

/** Encrypts payloads with AES-256-GCM under the current key; decrypts with any key of the keyring. */
export class EncryptionCodec implements PayloadCodec {
  private readonly current: EncryptionKey;
  private readonly keys = new Map<string, Uint8Array>();
  private readonly refusePlaintext: boolean;

  constructor(keyring: EncryptionKeyring, options: EncryptionCodecOptions = {}) {
    this.refusePlaintext = options.refusePlaintext ?? false;
    this.current = keyring.current;
    for (const { id, key } of [keyring.current, ...(keyring.previous ?? [])]) {
      if (key.length !== KEY_BYTES) {
        throw new CodecError(
          CodecErrorType.InvalidKeyConfig,
          `Encryption key "${id}" is ${key.length} bytes long; AES-256 needs ${KEY_BYTES}.`,
        );
      }
      if (this.keys.has(id)) {
        throw new CodecError(
          CodecErrorType.InvalidKeyConfig,
          `Two encryption keys have the ID "${id}"; each key needs its own ID, or payloads could not be told apart.`,
        );
      }
      this.keys.set(id, key);
    }
  }

  /** IDs of the keys this codec can decrypt with, the current one first. */
  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /**
   * Keys for another use (`purpose` tells them apart), derived from each key of the keyring with HKDF, the
   * current one first: other secrets need no configuration of their own, and reveal nothing of these keys.
   */
  derivedKeys(purpose: string): Buffer[] {
    return [...this.keys.values()].map((key) =>
      Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), purpose, KEY_BYTES)),
    );
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = metadataText(payload, ENCODING_KEY);
      if (encoding === ENCRYPTED_ENCODING) return this.decrypt(payload);
      if (this.refusePlaintext) {
        throw new CodecError(
          CodecErrorType.PlaintextRefused,
          `Refused a payload that is not encrypted (encoding "${encoding ?? 'none'}"): this worker holds an encryption key, so whatever it is given must be encrypted with it. ` +
            `It came from a client without the key (the temporal CLI, or a client without ${ENCRYPTION_ENV.key}); start, signal and update runs with a client that has the key (durable-agent run, or connectClient with it set). ` +
            `While migrating to encryption, set ${ENCRYPTION_ENV.allowPlaintext}=1 on the workers to accept such payloads. A run that got one stays stuck on it: terminate it.`,
        );
      }
      return payload;
    });
  }

  private encrypt(payload: Payload): Payload {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, this.current.key, iv);
    const ciphertext = Buffer.concat([cipher.update(payloadToBytes(payload)), cipher.final()]);
    return {
      metadata: {
        [ENCODING_KEY]: textBytes(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: textBytes(this.current.id),
      },
      data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    };
  }

  private decrypt(payload: Payload): Payload {
    const id = metadataText(payload, KEY_ID_METADATA);
    if (id === undefined) {
      throw new CodecError(
        CodecErrorType.MalformedPayload,
        `A payload marked ${ENCRYPTED_ENCODING} has no "${KEY_ID_METADATA}" metadata, so its key cannot be found.`,
      );
    }
    const key = this.keys.get(id);
    if (!key) {
      throw new CodecError(
        CodecErrorType.UnknownKey,
        `A payload was encrypted with key ID "${id}", which this process does not hold (it has: ${this.keyIds.join(', ')}). ` +
          `Add that key to ${ENCRYPTION_ENV.oldKeys} as "${id}:<base64 key>" (comma-separated with any others), ` +
          `or make it the current key with ${ENCRYPTION_ENV.key} and ${ENCRYPTION_ENV.keyId}=${id}.`,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new CodecError(
        CodecErrorType.MalformedPayload,
        `An encrypted payload (key ID "${id}") is ${data.length} bytes long, shorter than its IV and tag.`,
      );
    }
    const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new CodecError(
        CodecErrorType.DecryptionFailed,
        `An encrypted payload failed authentication under key ID "${id}": either it was altered after encryption, ` +
          `or the key configured under "${id}" is not the key that encrypted it.`,
      );
    }
    return payloadFromBytes(plaintext);
  }
}
