// Open append handles of stream files, kept between appends. A run appends to its stream many times (each model
// call's deltas, each tool's start and end), and opening and closing the file for every append was a large
// share of a busy worker's CPU. A handle is kept while its stream is written, closed once the stream has been
// idle for a while, when the pool is full (least recently used first) and when the log is closed.
//
// A stream file may be deleted under an open handle (`durable-agent store prune`, or by hand); writes through
// it would go to an unlinked inode that no reader sees. So a handle that has not been checked for a little
// while is checked before its next write (one stat of the path against the inode it holds, far cheaper than an
// open and a close), and reopened when the path is gone or names another file.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { close, fstat, open, stat, write } from '../store/callback-fs';

/** Limits of an AppendHandles pool. */
export interface AppendHandleLimits {
  /** Handles kept open at most; the least recently used is closed to make room. */
  maxOpen: number;
  /** A handle unused this long is closed. */
  idleMs: number;
  /** A handle last checked longer ago than this is checked against its path before a write. */
  checkMs: number;
}

/**
 * Defaults: room for the runs a busy worker has in flight (a run appends every few seconds under load, so a
 * pool smaller than the runs in flight would close each handle before its next use) while staying well under
 * the 1,024 descriptors a process may have by default, beside its sockets and store writes; idle handles
 * closed after 30 s; a deleted file found out within 10 s. Retention never deletes a file written that recently
 * (it deletes streams untouched for whole days), so the check is for files removed by hand, and a check per
 * run activity (a few seconds apart under load) would cost most of what keeping the handle saves.
 */
const APPEND_HANDLE_LIMITS: AppendHandleLimits = { maxOpen: 256, idleMs: 30_000, checkMs: 10_000 };

interface Entry {
  file: string;
  handle: Promise<OpenFile>;
  usedAt: number;
  /** When the handle was last found to be the file at the path. */
  checkedAt: number;
  /** Every write through this handle so far; a close waits for them. */
  last: Promise<unknown>;
  closed: boolean;
}

// A plain descriptor, not a FileHandle: the callback API costs less CPU per write (see callback-fs.ts).
interface OpenFile {
  fd: number;
  dev: number;
  ino: number;
}

const ignore = () => undefined;

/** A pool of O_APPEND handles, one per file. */
export class AppendHandles {
  private readonly entries = new Map<string, Entry>();
  private sweeper: ReturnType<typeof setInterval> | undefined;
  private readonly limits: AppendHandleLimits;

  constructor(limits: Partial<AppendHandleLimits> = {}) {
    this.limits = { ...APPEND_HANDLE_LIMITS, ...limits };
  }

  /** Handles open now (for tests). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Appends `bytes` to `file` with a single write on an O_APPEND handle (made with its directory if missing),
   * so the line lands whole after every line already there, whatever other processes append at the same time.
   */
  async append(file: string, bytes: Buffer): Promise<void> {
    const entry = this.entry(file);
    const write = this.current(entry).then((opened) => writeAll(opened.fd, bytes));
    entry.last = Promise.all([entry.last, write.catch(ignore)]);
    try {
      await write;
    } catch (err) {
      // A handle that failed a write is not trusted again (a full disk, a volume gone): the next append reopens.
      void this.drop(entry);
      throw err;
    }
  }

  /** Closes every handle, waiting for writes in flight. */
  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    await Promise.all([...this.entries.values()].map((entry) => this.drop(entry)));
  }

  private entry(file: string): Entry {
    const now = Date.now();
    let entry = this.entries.get(file);
    if (entry) {
      // Map order is the LRU order: a used handle moves to the end.
      this.entries.delete(file);
    } else {
      entry = {
        file,
        handle: openAppend(file),
        usedAt: now,
        checkedAt: now,
        last: Promise.resolve(),
        closed: false,
      };
      // An open that failed is forgotten at once, so the next append tries again.
      const opened = entry;
      opened.handle.catch(() => {
        if (this.entries.get(file) === opened) this.entries.delete(file);
      });
      this.evict();
      this.sweep();
    }
    entry.usedAt = now;
    this.entries.set(file, entry);
    return entry;
  }

  // The handle to write with, checked against the path when the last check is old. The check replaces the
  // entry's handle promise at once, so concurrent appends share one check and at most one reopen.
  private current(entry: Entry): Promise<OpenFile> {
    const now = Date.now();
    if (now - entry.checkedAt < this.limits.checkMs) return entry.handle;
    entry.checkedAt = now;
    const earlier = entry.last;
    entry.handle = entry.handle.then(async (opened) => {
      if (await isSameFile(entry.file, opened)) return opened;
      // Deleted or replaced: later writes go to a new file at the path, where readers look. The stale handle
      // is closed once the writes already made through it have ended.
      const fresh = await openAppend(entry.file);
      void earlier.then(() => close(opened.fd).catch(ignore));
      return fresh;
    });
    return entry.handle;
  }

  private evict(): void {
    while (this.entries.size >= this.limits.maxOpen) {
      const oldest = this.entries.values().next().value as Entry;
      void this.drop(oldest);
    }
  }

  // One timer for the whole pool, only while handles are open; it does not keep the process alive.
  private sweep(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(
      () => {
        const cutoff = Date.now() - this.limits.idleMs;
        for (const entry of this.entries.values()) {
          // LRU order: the first handle used after the cutoff ends the sweep.
          if (entry.usedAt > cutoff) break;
          void this.drop(entry);
        }
        if (this.entries.size === 0 && this.sweeper) {
          clearInterval(this.sweeper);
          this.sweeper = undefined;
        }
      },
      Math.max(10, Math.floor(this.limits.idleMs / 2)),
    );
    this.sweeper.unref();
  }

  private async drop(entry: Entry): Promise<void> {
    if (this.entries.get(entry.file) === entry) this.entries.delete(entry.file);
    if (entry.closed) return;
    entry.closed = true;
    await entry.last;
    const opened = await entry.handle.catch(() => undefined);
    if (opened) await close(opened.fd).catch(ignore);
  }
}

async function openAppend(file: string): Promise<OpenFile> {
  const fd = await open(file, 'a').catch(async (err: NodeJS.ErrnoException) => {
    // The streams directory is made on first use, and again if it was removed.
    if (err.code !== 'ENOENT') throw err;
    await mkdir(path.dirname(file), { recursive: true });
    return open(file, 'a');
  });
  try {
    const { dev, ino } = await fstat(fd);
    return { fd, dev, ino };
  } catch (err) {
    await close(fd).catch(ignore);
    throw err;
  }
}

// One write for the whole buffer; only a short write (a nearly full disk) needs a second.
async function writeAll(fd: number, bytes: Buffer): Promise<void> {
  let done = 0;
  while (done < bytes.length) done += await write(fd, bytes, done, bytes.length - done);
}

async function isSameFile(file: string, opened: OpenFile): Promise<boolean> {
  try {
    const { dev, ino } = await stat(file);
    return dev === opened.dev && ino === opened.ino;
  } catch {
    return false;
  }
}
