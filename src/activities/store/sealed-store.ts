import type { PayloadCodec } from '@temporalio/common';
import { decodeWithCodecs, encodeWithCodecs, payloadFromBytes, payloadToBytes } from '../../codec/payload';
import { contentRef } from './message-store';
import type { MessageStore } from './message-store';

/**
 * A message store whose content passes through the same payload codecs as history (compression, then
 * encryption with the key in DURABLE_AGENT_ENCRYPTION_KEY), so what is kept out of history is as protected as
 * what is in it. References stay the hash of the plain content, so equal content is still stored once.
 */
export class SealedStore implements MessageStore {
  constructor(
    private readonly inner: MessageStore & { putAt(ref: string, bytes: Buffer): Promise<void> },
    private readonly codecs: readonly PayloadCodec[],
  ) {}

  async put(bytes: Buffer): Promise<string> {
    const ref = contentRef(bytes);
    const [sealed] = await encodeWithCodecs(this.codecs, [
      { metadata: { encoding: Buffer.from('binary/plain') }, data: bytes },
    ]);
    await this.inner.putAt(ref, Buffer.from(payloadToBytes(sealed as NonNullable<typeof sealed>)));
    return ref;
  }

  async get(ref: string): Promise<Buffer> {
    const [opened] = await decodeWithCodecs(this.codecs, [payloadFromBytes(await this.inner.get(ref))]);
    const bytes = Buffer.from(opened?.data ?? new Uint8Array());
    if (contentRef(bytes) !== ref) throw new Error(`content of ${ref} does not match its hash`);
    return bytes;
  }
}
