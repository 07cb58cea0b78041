// The file-system calls on every activity's path (the message store's writes and reads, the stream files'
// appends), made through node's callback API. The promise API (`fs/promises`) wraps each call in a FileHandle and
// extra promises: measured on a busy worker, a write, stat or open through it costs about 1.5× the main-thread
// CPU of the same call through the callback API, and the store makes several such calls per model call.
import * as fs from 'node:fs';
import { promisify } from 'node:util';

/** fs.writeFile through the callback API (same arguments as fs/promises). */
export const writeFile = promisify(fs.writeFile) as (
  file: string,
  data: string | Uint8Array,
  options?: fs.WriteFileOptions,
) => Promise<void>;

/** fs.readFile through the callback API; resolves to the bytes. */
export const readFile = promisify(fs.readFile) as (file: string) => Promise<Buffer>;

/** fs.rename through the callback API. */
export const rename = promisify(fs.rename);

/** fs.utimes through the callback API. */
export const utimes = promisify(fs.utimes);

/** fs.open through the callback API; resolves to a file descriptor. */
export const open = promisify(fs.open) as (file: string, flags: string) => Promise<number>;

/** fs.close through the callback API. */
export const close = promisify(fs.close);

/** fs.stat through the callback API. */
export const stat = promisify(fs.stat) as (file: string) => Promise<fs.Stats>;

/** fs.fstat through the callback API. */
export const fstat = promisify(fs.fstat) as (fd: number) => Promise<fs.Stats>;

/** Writes `length` bytes of `buffer` from `offset` at the descriptor's position (the end, for O_APPEND). */
export function write(fd: number, buffer: Buffer, offset: number, length: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.write(fd, buffer, offset, length, null, (err, written) => (err ? reject(err) : resolve(written)));
  });
}
