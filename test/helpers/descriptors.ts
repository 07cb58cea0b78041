// Open file descriptors of the test process, read from /proc (Linux only).
import { readdir, readlink } from 'node:fs/promises';

/** The descriptors of this process open on `file`, counting one whose file was deleted since. */
export async function openDescriptors(file: string): Promise<number> {
  let count = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target === file || target === `${file} (deleted)`) count += 1;
  }
  return count;
}
