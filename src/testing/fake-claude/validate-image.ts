// Image blocks, checked as the real API checks them: the source's shape, its media type, and that the bytes
// are an image of that type (the API looks at the data, not only the label).
import { IMAGE_MEDIA_TYPES } from '../../shared/messages';
import { reject } from './errors';
import type { JsonObject } from './json';
import { at, cacheBreakpoint, rejectExtraFields, requireObject, requireString } from './json';

const MEDIA_TYPES = IMAGE_MEDIA_TYPES.map((type) => `'${type}'`);
const MEDIA_TYPE_LIST = `${MEDIA_TYPES.slice(0, -1).join(', ')} or ${MEDIA_TYPES[MEDIA_TYPES.length - 1]}`;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Validates an image block; returns its cache breakpoints. */
export function validateImageBlock(block: JsonObject, path: string): number {
  rejectExtraFields(block, ['type', 'source', 'cache_control'], path);
  const sourcePath = at(path, 'source');
  if (block['source'] === undefined) reject(sourcePath, 'Field required');
  const source = requireObject(block['source'], sourcePath);
  const type = source['type'];
  if (type === 'url') {
    rejectExtraFields(source, ['type', 'url'], sourcePath);
    requireString(source, 'url', at(sourcePath, 'url'));
  } else if (type === 'base64') {
    validateBase64(source, at(sourcePath, 'base64'));
  } else {
    reject(
      sourcePath,
      `Input tag '${String(type)}' found using 'type' does not match any of the expected tags`,
    );
  }
  return cacheBreakpoint(block, path);
}

function validateBase64(source: JsonObject, path: string): void {
  rejectExtraFields(source, ['type', 'media_type', 'data'], path);
  const mediaType = source['media_type'];
  if (mediaType === undefined) reject(at(path, 'media_type'), 'Field required');
  if (typeof mediaType !== 'string' || !(IMAGE_MEDIA_TYPES as readonly string[]).includes(mediaType)) {
    reject(at(path, 'media_type'), `Input should be ${MEDIA_TYPE_LIST}`);
  }
  const data = requireString(source, 'data', path);
  if (data === '' || !BASE64.test(data)) reject(at(path, 'data'), 'Invalid base64 data');
  if (!matches(Buffer.from(data, 'base64'), mediaType)) {
    reject(path, `Image does not match the provided media type ${mediaType}`);
  }
}

function matches(bytes: Buffer, mediaType: string): boolean {
  const starts = (...head: number[]) => head.every((byte, i) => bytes[i] === byte);
  switch (mediaType) {
    case 'image/png':
      return starts(0x89, 0x50, 0x4e, 0x47);
    case 'image/jpeg':
      return starts(0xff, 0xd8, 0xff);
    case 'image/gif':
      return bytes.subarray(0, 4).toString('latin1') === 'GIF8';
    default:
      return (
        bytes.subarray(0, 4).toString('latin1') === 'RIFF' &&
        bytes.subarray(8, 12).toString('latin1') === 'WEBP'
      );
  }
}
