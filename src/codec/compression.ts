// Compression codec. Runs before encryption on encode: ciphertext does not compress, and model transcripts
// and tool results (JSON, prose) usually shrink to a fraction, which keeps history further from its limits.
import { deflateSync, inflateSync } from 'node:zlib';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { CodecError, CodecErrorType } from './errors';
import { ENCODING_KEY, metadataText, payloadFromBytes, payloadToBytes, textBytes } from './payload';

/** The `encoding` metadata of a compressed payload: its data is a zlib-deflated serialized Payload. */
export const COMPRESSED_ENCODING = 'binary/zlib';

/** Options of `CompressionCodec`. */
export interface CompressionCodecOptions {
  /** Payloads smaller than this (serialized) are left as they are: zlib's framing would eat the gain. Default 256. */
  minBytes?: number;
  /** Refuse to inflate beyond this, so a crafted payload cannot exhaust memory (the codec server decodes input from the network). Default 128 MiB. */
  maxDecompressedBytes?: number;
}

/** Compresses payloads with zlib; leaves small ones, and ones that do not shrink, untouched. */
export class CompressionCodec implements PayloadCodec {
  private readonly minBytes: number;
  private readonly maxDecompressedBytes: number;

  constructor(options: CompressionCodecOptions = {}) {
    this.minBytes = options.minBytes ?? 256;
    this.maxDecompressedBytes = options.maxDecompressedBytes ?? 128 * 1024 * 1024;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.compress(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) =>
      metadataText(payload, ENCODING_KEY) === COMPRESSED_ENCODING ? this.decompress(payload) : payload,
    );
  }

  private compress(payload: Payload): Payload {
    const bytes = payloadToBytes(payload);
    if (bytes.length < this.minBytes) return payload;
    const compressed = deflateSync(bytes);
    if (compressed.length >= bytes.length) return payload;
    return { metadata: { [ENCODING_KEY]: textBytes(COMPRESSED_ENCODING) }, data: compressed };
  }

  private decompress(payload: Payload): Payload {
    try {
      return payloadFromBytes(
        inflateSync(payload.data ?? new Uint8Array(), { maxOutputLength: this.maxDecompressedBytes }),
      );
    } catch (err) {
      throw new CodecError(
        CodecErrorType.MalformedPayload,
        `A payload marked ${COMPRESSED_ENCODING} could not be decompressed (${(err as Error).message}).`,
      );
    }
  }
}
