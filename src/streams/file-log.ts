// The default stream backend: one file per stream in the message store's directory, one record per line. Every
// append is a single write with O_APPEND, which the kernel never interleaves with another process's append to
// the same local file, so an event's offset is simply its 1-based line number: writers in several processes
// (a model call, tool calls, the run's end) need no coordinator, and a reader resumes by counting lines. The
// handles stay open between appends (see append-handles.ts), which keeps both guarantees: each handle is O_APPEND
// and each append is still one write.
import { open as openFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { StreamErrorType } from '../shared/errors';
import { AppendHandles } from './append-handles';
import type { AppendHandleLimits } from './append-handles';
import { sleep, StreamError } from './backend';
import type { ReadOptions, RecordLog } from './backend';

/** Subdirectory of the message store directory that holds the stream files. */
export const STREAMS_SUBDIR = 'streams';

/** File name suffix of a stream. */
export const STREAM_FILE_SUFFIX = '.jsonl';

// A follower at the end of its file looks again this often: cheap (one read that returns nothing), and well
// inside the latency a reader of live text notices.
const POLL_MS = 20;
const CHUNK_BYTES = 64 * 1024;

/** Streams as files under `dir` (`<store dir>/streams` by default). */
export class FileRecordLog implements RecordLog {
  readonly kind = 'store';
  private readonly handles: AppendHandles;

  constructor(
    readonly dir: string,
    private readonly pollMs = POLL_MS,
    handleLimits: Partial<AppendHandleLimits> = {},
  ) {
    this.handles = new AppendHandles(handleLimits);
  }

  /** The file of a stream. */
  file(name: string): string {
    return path.join(this.dir, `${name}${STREAM_FILE_SUFFIX}`);
  }

  async append(name: string, records: readonly string[]): Promise<void> {
    if (records.length === 0) return;
    // One buffer, one write: a line is never split by another writer's line.
    const text = records.map((record) => `${record}\n`).join('');
    try {
      await this.handles.append(this.file(name), Buffer.from(text));
    } catch (err) {
      throw new StreamError(
        StreamErrorType.Unavailable,
        `cannot append to the event stream ${this.file(name)}: ${(err as Error).message}. Check that the message store directory (DURABLE_AGENT_STORE_DIR) is writable and has space.`,
      );
    }
  }

  async *read(
    name: string,
    from: number,
    options: ReadOptions = {},
  ): AsyncIterable<{ offset: number; record: string }> {
    const { signal, follow = true } = options;
    const file = this.file(name);
    let handle: FileHandle | undefined;
    try {
      let position = 0;
      let line = 0;
      let partial = Buffer.alloc(0);
      const buffer = Buffer.alloc(CHUNK_BYTES);
      while (!signal?.aborted) {
        if (!handle) {
          handle = await openFile(file, 'r').catch((err: NodeJS.ErrnoException) => {
            if (err.code === 'ENOENT') return undefined;
            throw err;
          });
        }
        const { bytesRead } = handle ? await handle.read(buffer, 0, CHUNK_BYTES, position) : { bytesRead: 0 };
        if (bytesRead === 0) {
          if (!follow) return;
          await sleep(this.pollMs, signal);
          continue;
        }
        position += bytesRead;
        // A line still being written has no newline yet: it is kept (as bytes, so a character cut by the chunk
        // boundary is not mangled) until the rest arrives.
        const bytes = Buffer.concat([partial, buffer.subarray(0, bytesRead)]);
        const end = bytes.lastIndexOf(0x0a);
        partial = Buffer.from(bytes.subarray(end + 1));
        if (end < 0) continue;
        for (const record of bytes.toString('utf8', 0, end).split('\n')) {
          line += 1;
          if (line > from) yield { offset: line, record };
        }
      }
    } finally {
      await handle?.close();
    }
  }

  /** Closes the append handles (the worker does so when it stops). */
  close(): Promise<void> {
    return this.handles.close();
  }
}
