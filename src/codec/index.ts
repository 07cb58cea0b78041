// Payload codecs (compression, AES-256-GCM encryption), their keys from the environment, and the codec server.
export { COMPRESSED_ENCODING, CompressionCodec } from './compression';
export type { CompressionCodecOptions } from './compression';
export { ENCRYPTED_ENCODING, EncryptionCodec, KEY_ID_METADATA } from './encryption';
export type { EncryptionCodecOptions, EncryptionKey, EncryptionKeyring } from './encryption';
export { CODEC_SERVER_ENV, ENCRYPTION_ENV } from './env';
export { CodecError, CodecErrorType } from './errors';
export type { CodecErrorTypeName } from './errors';
export {
  codecDataConverter,
  codecsFromEnv,
  dataConverterFromEnv,
  deriveKeyId,
  FAILURE_CONVERTER_PATH,
  keyringFromEnv,
  parseKey,
} from './keys';
export type { CodecDataConverter, CodecRole } from './keys';
export { decodeWithCodecs, encodeWithCodecs } from './payload';
export { DEFAULT_CODEC_PORT, DEFAULT_CORS_ORIGINS, runCodecServerFromEnv, startCodecServer } from './server';
export type { CodecServer, CodecServerOptions } from './server';
