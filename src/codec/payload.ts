// Helpers shared by the codecs: metadata strings, and a payload as bytes. Codecs wrap the whole serialized
// `temporal.api.common.v1.Payload` (metadata included), so the inner encoding and any metadata a converter
// wrote are compressed and encrypted with the data, and come back exactly as they were.
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/** The metadata key every codec marks its output with. */
export const ENCODING_KEY = 'encoding';

/** A metadata value as text; undefined when the key is absent. */
export function metadataText(payload: Payload, key: string): string | undefined {
  const value = payload.metadata?.[key];
  return value ? Buffer.from(value).toString('utf8') : undefined;
}

/** Text as a metadata value. */
export function textBytes(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

/** The payload serialized as a protobuf message. */
export function payloadToBytes(payload: Payload): Uint8Array {
  return temporal.api.common.v1.Payload.encode(payload).finish();
}

/** A payload from its protobuf bytes (throws on bytes that are not one). */
export function payloadFromBytes(bytes: Uint8Array): Payload {
  return temporal.api.common.v1.Payload.decode(bytes);
}

/** Encodes through each codec in array order, as the SDK does. */
export async function encodeWithCodecs(
  codecs: readonly PayloadCodec[],
  payloads: Payload[],
): Promise<Payload[]> {
  let result = payloads;
  for (const codec of codecs) result = await codec.encode(result);
  return result;
}

/** Decodes through each codec in reverse array order, as the SDK does. */
export async function decodeWithCodecs(
  codecs: readonly PayloadCodec[],
  payloads: Payload[],
): Promise<Payload[]> {
  let result = payloads;
  for (const codec of [...codecs].reverse()) result = await codec.decode(result);
  return result;
}
