// Payloads in the remote codec protocol's JSON: the protobuf JSON mapping of `temporal.api.common.v1.Payloads`,
// where `bytes` fields (metadata values, data) are base64 strings.
import type { Payload } from '@temporalio/common';

/** A payload as it travels to and from a codec server. */
interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

/** The request and response body of `/encode` and `/decode`. */
interface JsonPayloads {
  payloads: JsonPayload[];
}

/** Parses a request body into payloads; throws an Error whose message says what is wrong with it. */
export function payloadsFromJson(body: unknown): Payload[] {
  if (!isObject(body) || !Array.isArray(body.payloads)) {
    throw new Error('The body must be a JSON object with a "payloads" array.');
  }
  return body.payloads.map((item: unknown, index) => {
    if (!isObject(item)) throw new Error(`payloads[${index}] must be an object.`);
    const { metadata = {}, data = '' } = item;
    if (!isObject(metadata) || !Object.values(metadata).every((v) => typeof v === 'string')) {
      throw new Error(`payloads[${index}].metadata must map names to base64 strings.`);
    }
    if (typeof data !== 'string') throw new Error(`payloads[${index}].data must be a base64 string.`);
    return {
      metadata: Object.fromEntries(
        Object.entries(metadata as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
      ),
      data: Buffer.from(data, 'base64'),
    };
  });
}

/** Payloads as the protocol's JSON. */
export function payloadsToJson(payloads: Payload[]): JsonPayloads {
  return {
    payloads: payloads.map((payload) => ({
      metadata: Object.fromEntries(
        Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      ),
      data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
    })),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
