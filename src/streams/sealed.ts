// Events over a record log: each event is one record, JSON, or, when payload encryption is on, sealed with the
// same codecs as history (compression, then AES-GCM) so stream content is never plaintext on disk or in Redis.
// A stream's name is the workflow ID when it is a safe file name; with encryption it is a keyed hash of it, so
// someone who can list the directory or the Redis keys cannot learn which runs exist.
import { createHash, createHmac } from 'node:crypto';
import type { PayloadCodec } from '@temporalio/common';
import { EncryptionCodec } from '../codec/encryption';
import { decodeWithCodecs, encodeWithCodecs, payloadFromBytes, payloadToBytes } from '../codec/payload';
import type { StreamEvent, StreamEventBody } from '../shared/stream-events';
import type { ReadOptions, RecordLog, StreamBackend } from './backend';

/** HKDF purpose of the key that names sealed streams. */
const NAMING_PURPOSE = 'durable-agent event stream names v1';
const SAFE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/** A stream backend that writes events as records of `log`, sealed with `codecs` when they encrypt. */
export class RecordStreamBackend implements StreamBackend {
  private readonly namingKey: Buffer | undefined;
  private readonly sealing: readonly PayloadCodec[];

  constructor(
    private readonly log: RecordLog,
    codecs: readonly PayloadCodec[] = [],
  ) {
    const encryption = codecs.find((codec) => codec instanceof EncryptionCodec);
    // Only the current key names streams: every process of a deployment holds the same keys (as for history).
    this.namingKey = encryption?.derivedKeys(NAMING_PURPOSE)[0];
    this.sealing = encryption ? codecs : [];
  }

  get kind(): RecordLog['kind'] {
    return this.log.kind;
  }

  /** The name the stream of a workflow ID is kept under. */
  nameOf(streamId: string): string {
    if (this.namingKey) return `hmac-${createHmac('sha256', this.namingKey).update(streamId).digest('hex')}`;
    return SAFE_NAME.test(streamId)
      ? streamId
      : `sha256-${createHash('sha256').update(streamId).digest('hex')}`;
  }

  async append(streamId: string, bodies: readonly StreamEventBody[]): Promise<void> {
    if (bodies.length === 0) return;
    await this.log.append(this.nameOf(streamId), await Promise.all(bodies.map((body) => this.seal(body))));
  }

  async *read(streamId: string, from: number, options?: ReadOptions): AsyncIterable<StreamEvent> {
    for await (const { offset, record } of this.log.read(this.nameOf(streamId), from, options)) {
      yield { ...(await this.open(record)), offset };
    }
  }

  close(): Promise<void> {
    return this.log.close();
  }

  private async seal(body: StreamEventBody): Promise<string> {
    const json = JSON.stringify(body);
    if (this.sealing.length === 0) return json;
    const [sealed] = await encodeWithCodecs(this.sealing, [
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(json) },
    ]);
    return Buffer.from(payloadToBytes(sealed as NonNullable<typeof sealed>)).toString('base64');
  }

  private async open(record: string): Promise<StreamEventBody> {
    if (this.sealing.length === 0) return JSON.parse(record) as StreamEventBody;
    const [opened] = await decodeWithCodecs(this.sealing, [payloadFromBytes(Buffer.from(record, 'base64'))]);
    return JSON.parse(Buffer.from(opened?.data ?? new Uint8Array()).toString('utf8')) as StreamEventBody;
  }
}
