// Retention of the local message store. Content is shared between runs (it is named by its content), so no
// file belongs to one run; instead every write and read of a file sets its modification time (cache hits do
// too, at most hourly; a read minutes after this process set it does not, see recent-refs.ts), and a file no
// run has touched for N days belongs only to runs that have been closed at least that long. A run that stays
// open without a model call for longer than N days (an approval that waits) would lose its content: choose N
// well above the longest such wait.
import * as nodeFs from 'node:fs/promises';
import path from 'node:path';
import type { StoreFs } from './message-store';
import { TEMP_SUFFIX } from './message-store';

/** Default retention of `durable-agent store prune`, in days. */
export const DEFAULT_RETENTION_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;
const SHARD = /^[0-9a-f]{2}$/;
const CONTENT_FILE = /^[0-9a-f]{64}$/;

/** What a prune did. */
export interface PruneReport {
  deletedFiles: number;
  deletedBytes: number;
  keptFiles: number;
}

/**
 * Deletes the content (and the temporary files of crashed writes) of a store directory that has not been
 * written or read for `olderThanDays` days. Files that are not the store's are left alone.
 */
export async function pruneStore(
  dir: string,
  olderThanDays: number,
  now: number = Date.now(),
  fs: Pick<StoreFs, 'readdir' | 'stat' | 'unlink'> = nodeFs,
): Promise<PruneReport> {
  const cutoff = now - olderThanDays * DAY_MS;
  const report: PruneReport = { deletedFiles: 0, deletedBytes: 0, keptFiles: 0 };
  for (const shard of (await fs.readdir(dir)).filter((name) => SHARD.test(name))) {
    for (const name of await fs.readdir(path.join(dir, shard))) {
      if (!CONTENT_FILE.test(name) && !name.endsWith(TEMP_SUFFIX)) continue;
      await pruneFile(path.join(dir, shard, name), cutoff, report, fs);
    }
  }
  await pruneStreams(path.join(dir, STREAMS_DIR), cutoff, report, fs);
  return report;
}

// Run event streams (src/streams/file-log.ts) live beside the content; every event appended sets a stream
// file's modification time, so a file untouched for N days belongs to a run that ended at least that long ago.
const STREAMS_DIR = 'streams';
const STREAM_FILE = /\.jsonl$/;

async function pruneStreams(
  dir: string,
  cutoff: number,
  report: PruneReport,
  fs: Pick<StoreFs, 'readdir' | 'stat' | 'unlink'>,
): Promise<void> {
  const names = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  for (const name of names.filter((n) => STREAM_FILE.test(n)))
    await pruneFile(path.join(dir, name), cutoff, report, fs);
}

// Deletes a file last written before the cutoff and counts it; a newer one is counted as kept.
async function pruneFile(
  file: string,
  cutoff: number,
  report: PruneReport,
  fs: Pick<StoreFs, 'stat' | 'unlink'>,
): Promise<void> {
  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat?.isFile()) return;
  if (stat.mtimeMs >= cutoff) {
    report.keptFiles += 1;
    return;
  }
  // Gone already (another prune) is as good as deleted.
  await fs.unlink(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  report.deletedFiles += 1;
  report.deletedBytes += stat.size;
}
