// Names of the environment variables the codecs and the codec server read. Error messages quote them, so a
// person who meets an error knows exactly what to set.

/** Environment variables that configure payload encryption on workers, clients and the codec server. */
export const ENCRYPTION_ENV = {
  /** Base64 of 32 random bytes: the key new payloads are encrypted with. */
  key: 'DURABLE_AGENT_ENCRYPTION_KEY',
  /** ID written next to each payload so the right key is found when it is decrypted. */
  keyId: 'DURABLE_AGENT_ENCRYPTION_KEY_ID',
  /** `id:base64,id:base64`: retired keys, kept only to decrypt payloads written before a rotation. */
  oldKeys: 'DURABLE_AGENT_ENCRYPTION_OLD_KEYS',
  /** `1`: workers that hold a key still accept payloads that are not encrypted (while migrating to encryption). */
  allowPlaintext: 'DURABLE_AGENT_ALLOW_PLAINTEXT',
} as const;

/** Environment variables of the codec server (`npx tsx src/codec/server.ts`). */
export const CODEC_SERVER_ENV = {
  port: 'DURABLE_AGENT_CODEC_PORT',
  host: 'DURABLE_AGENT_CODEC_HOST',
  token: 'DURABLE_AGENT_CODEC_TOKEN',
  corsOrigins: 'DURABLE_AGENT_CODEC_CORS_ORIGINS',
} as const;

/** How to make a key, quoted in errors about a missing or malformed one. */
export const KEY_HINT = 'Generate one with `openssl rand -base64 32`.';
