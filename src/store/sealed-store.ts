import { createHmac } from 'node:crypto';
import type { PayloadCodec } from '@temporalio/common';
import { EncryptionCodec } from '../codec/encryption';
import { decodeWithCodecs, encodeWithCodecs, payloadFromBytes, payloadToBytes } from '../codec/payload';
import { contentRef, digestName, nameOf, sameName } from './message-store';
import type { BlobStore, MessageStore } from './message-store';

/** HKDF purpose of the keys that name sealed content. */
const NAMING_PURPOSE = 'durable-agent message-store content names v1';

/**
 * A message store whose content passes through the same payload codecs as history (compression, then
 * encryption with the key in DURABLE_AGENT_ENCRYPTION_KEY), so what is kept out of history is as protected as
 * what is in it. Content is named by a keyed hash (HMAC-SHA-256 under a key derived from the encryption key):
 * equal content is still stored once, but someone who can list the store cannot confirm a guessed tool
 * result by hashing it. Without an encryption codec among the codecs, names stay the plain SHA-256.
 */
export class SealedStore implements MessageStore {
  private readonly namingKeys: Buffer[];

  constructor(
    private readonly inner: BlobStore,
    private readonly codecs: readonly PayloadCodec[],
  ) {
    const encryption = codecs.find((codec) => codec instanceof EncryptionCodec);
    this.namingKeys = encryption?.derivedKeys(NAMING_PURPOSE) ?? [];
  }

  async put(bytes: Buffer): Promise<string> {
    const [sealed] = await encodeWithCodecs(this.codecs, [
      { metadata: { encoding: Buffer.from('binary/plain') }, data: bytes },
    ]);
    return this.inner.putAt(
      this.name(bytes),
      Buffer.from(payloadToBytes(sealed as NonNullable<typeof sealed>)),
    );
  }

  async get(ref: string): Promise<Buffer> {
    const [opened] = await decodeWithCodecs(this.codecs, [payloadFromBytes(await this.inner.getAt(ref))]);
    const bytes = Buffer.from(opened?.data ?? new Uint8Array());
    if (!this.names(bytes).some((name) => sameName(name, nameOf(ref))))
      throw new Error(`content of ${ref} does not match its name`);
    return bytes;
  }

  async touch(ref: string): Promise<void> {
    await (this.inner as Partial<MessageStore>).touch?.(ref);
  }

  private name(bytes: Buffer): string {
    const [current] = this.namingKeys;
    return current ? hmacName(current, bytes) : contentRef(bytes);
  }

  /** Every name the content may have been stored under: by any key of the keyring, or (before keyed names) its hash. */
  private names(bytes: Buffer): string[] {
    return [...this.namingKeys.map((key) => hmacName(key, bytes)), contentRef(bytes)];
  }
}

function hmacName(key: Buffer, bytes: Buffer): string {
  return digestName('h', createHmac('sha256', key).update(bytes).digest());
}
