// Keys from the environment, and the codec chain every client, worker and codec server builds from them.
// All of them must hold the same keys: a payload written by one is read by the others.
import { createHash } from 'node:crypto';
import type { PayloadCodec } from '@temporalio/common';
import { CompressionCodec } from './compression';
import { EncryptionCodec, KEY_BYTES } from './encryption';
import type { EncryptionKey, EncryptionKeyring } from './encryption';
import { ENCRYPTION_ENV, KEY_HINT } from './env';
import { CodecError, CodecErrorType } from './errors';
import { resolveSettings } from '../settings';
import type { Settings } from '../settings';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Path of the module exporting the failure converter that encodes failure messages and stack traces. */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/**
 * The data converter part this project configures: payload codecs, and a failure converter that puts failure
 * messages and stack traces into a payload, so the codecs encrypt those too. A prebuilt workflow bundle must be
 * built with the same `failureConverterPath` (failures raised by workflow code are converted inside the bundle).
 */
export interface CodecDataConverter {
  payloadCodecs: PayloadCodec[];
  failureConverterPath: string;
}

/** The data converter for these codecs. */
export function codecDataConverter(payloadCodecs: PayloadCodec[]): CodecDataConverter {
  return { payloadCodecs, failureConverterPath: FAILURE_CONVERTER_PATH };
}

/** Parses a base64 AES-256 key; `source` names where it came from in the error. */
export function parseKey(base64: string, source: string): Uint8Array {
  const text = base64.trim();
  const bytes = BASE64.test(text) && text.length % 4 === 0 ? Buffer.from(text, 'base64') : undefined;
  if (!bytes || bytes.length !== KEY_BYTES) {
    const found = bytes ? `it decodes to ${bytes.length} bytes` : 'it is not valid base64';
    throw new CodecError(
      CodecErrorType.InvalidKeyConfig,
      `${source} must be the base64 encoding of ${KEY_BYTES} random bytes (AES-256), but ${found}. ${KEY_HINT}`,
    );
  }
  return bytes;
}

/** A key's default ID: the first 8 hex digits of its SHA-256, stable for the key and useless for recovering it. */
export function deriveKeyId(key: Uint8Array): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** The keyring from DURABLE_AGENT_ENCRYPTION_KEY, _KEY_ID and _OLD_KEYS; undefined when no key is set. */
export function keyringFromEnv(env: NodeJS.ProcessEnv = process.env): EncryptionKeyring | undefined {
  return keyringOf(resolveSettings(env, [ENCRYPTION_ENV.key, ENCRYPTION_ENV.keyId, ENCRYPTION_ENV.oldKeys]));
}

/** The keyring of the resolved settings; undefined when no key is set. */
function keyringOf(settings: Settings): EncryptionKeyring | undefined {
  const keyText = settings[ENCRYPTION_ENV.key];
  const keyId = settings[ENCRYPTION_ENV.keyId];
  const oldKeys = settings[ENCRYPTION_ENV.oldKeys];
  if (!keyText) {
    // Half a configuration must not silently turn encryption off.
    const stray = [
      ...(keyId ? [ENCRYPTION_ENV.keyId] : []),
      ...(oldKeys.trim() ? [ENCRYPTION_ENV.oldKeys] : []),
    ];
    if (stray.length > 0) {
      throw new CodecError(
        CodecErrorType.InvalidKeyConfig,
        `${stray.join(' and ')} ${stray.length > 1 ? 'are' : 'is'} set but ${ENCRYPTION_ENV.key} is not. ` +
          `Set ${ENCRYPTION_ENV.key} to the current key (new payloads are always encrypted with it). ${KEY_HINT}`,
      );
    }
    return undefined;
  }
  const key = parseKey(keyText, ENCRYPTION_ENV.key);
  const id = keyId || deriveKeyId(key);
  checkKeyId(id, ENCRYPTION_ENV.keyId);
  return { current: { id, key }, previous: parseOldKeys(oldKeys) };
}

/** Who the codecs are for: a worker refuses plaintext payloads unless DURABLE_AGENT_ALLOW_PLAINTEXT=1. */
export interface CodecRole {
  worker?: boolean;
}

/** Compression then encryption (the SDK encodes in array order and decodes in reverse), or none without a key. */
export function codecsFromEnv(env: NodeJS.ProcessEnv = process.env, role: CodecRole = {}): PayloadCodec[] {
  return codecsOf(
    resolveSettings(env, [
      ENCRYPTION_ENV.key,
      ENCRYPTION_ENV.keyId,
      ENCRYPTION_ENV.oldKeys,
      ENCRYPTION_ENV.allowPlaintext,
    ]),
    role,
  );
}

/** The payload codecs of the resolved settings. */
export function codecsOf(settings: Settings, role: CodecRole = {}): PayloadCodec[] {
  const keyring = keyringOf(settings);
  const refusePlaintext = role.worker === true && !settings[ENCRYPTION_ENV.allowPlaintext];
  return keyring ? [new CompressionCodec(), new EncryptionCodec(keyring, { refusePlaintext })] : [];
}

/** `{ payloadCodecs, failureConverterPath }` for Client and Worker when a key is configured; undefined otherwise. */
export function dataConverterFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  role: CodecRole = {},
): CodecDataConverter | undefined {
  const payloadCodecs = codecsFromEnv(env, role);
  return payloadCodecs.length > 0 ? codecDataConverter(payloadCodecs) : undefined;
}

function parseOldKeys(list: string): EncryptionKey[] {
  const entries = list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return entries.map((entry, index) => {
    const colon = entry.indexOf(':');
    const source = `Entry ${index + 1} of ${ENCRYPTION_ENV.oldKeys}`;
    if (colon <= 0) {
      throw new CodecError(
        CodecErrorType.InvalidKeyConfig,
        `${source} must look like "<key id>:<base64 key>" (entries are separated by commas).`,
      );
    }
    const id = entry.slice(0, colon).trim();
    checkKeyId(id, source);
    return { id, key: parseKey(entry.slice(colon + 1), `${source} ("${id}")`) };
  });
}

function checkKeyId(id: string, source: string): void {
  if (!KEY_ID.test(id)) {
    throw new CodecError(
      CodecErrorType.InvalidKeyConfig,
      `${source}: key ID "${id}" must be 1 to 64 letters, digits, dots, dashes or underscores.`,
    );
  }
}
