import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Payload, StorageDriver } from '@temporalio/common';
import { StorageDriverClaim } from '@temporalio/common';

/**
 * Content-addressed storage for message content kept out of workflow history. A key is the SHA-256 of the
 * bytes, so storing the same content twice (a retried activity, a replayed turn) writes nothing new.
 */
export interface MessageStore {
  /** Stores the bytes and returns their reference. */
  put(bytes: Buffer): Promise<string>;
  /** The bytes of a reference; throws when the store has no such content. */
  get(ref: string): Promise<Buffer>;
}

/** The content could not be found: a store that is not shared by every worker, or content deleted too early. */
export class MissingContentError extends Error {
  override name = 'MissingContentError';
}

/** Reference of some bytes: `sha256:<hex>`. */
export function contentRef(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * A directory on local disk, the default. Every worker that may run a turn of a run must see the same
 * directory (one machine, or a shared volume); use an object store across machines.
 */
export class LocalDiskStore implements MessageStore {
  constructor(readonly dir: string) {}

  async put(bytes: Buffer): Promise<string> {
    const ref = contentRef(bytes);
    await this.putAt(ref, bytes);
    return ref;
  }

  /** Stores bytes under a given reference (for stores layered on this one, such as SealedStore). */
  async putAt(ref: string, bytes: Buffer): Promise<void> {
    const file = this.file(ref);
    await mkdir(path.dirname(file), { recursive: true });
    // Write then rename, so a reader never sees half a file; the same content may be written twice at once.
    const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temp, bytes);
    await rename(temp, file);
  }

  async get(ref: string): Promise<Buffer> {
    try {
      return await readFile(this.file(ref));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      throw new MissingContentError(
        `message content ${ref} is not in ${this.dir}. Every worker of a task queue must share the message store (DURABLE_AGENT_STORE_DIR on a shared volume, or an object store).`,
      );
    }
  }

  private file(ref: string): string {
    const hex = /^sha256:([0-9a-f]{64})$/.exec(ref)?.[1];
    if (!hex) throw new Error(`not a content reference: ${ref}`);
    return path.join(this.dir, hex.slice(0, 2), hex);
  }
}

/**
 * A store on one of Temporal's external-storage drivers (the S3 or GCS driver, or your own), for workers on
 * several machines. The driver's claim is kept next to the content hash in the reference.
 */
export class DriverStore implements MessageStore {
  constructor(private readonly driver: StorageDriver) {}

  async put(bytes: Buffer): Promise<string> {
    const payload: Payload = { metadata: { encoding: Buffer.from('binary/plain') }, data: bytes };
    const [claim] = await this.driver.store({}, [payload]);
    if (!claim) throw new Error(`storage driver ${this.driver.name} returned no claim`);
    const data = Buffer.from(JSON.stringify(claim.claimData)).toString('base64url');
    return `${contentRef(bytes)}@${this.driver.name}:${data}`;
  }

  async get(ref: string): Promise<Buffer> {
    const match = /^(sha256:[0-9a-f]{64})@([^:]+):(.+)$/.exec(ref);
    if (!match || match[2] !== this.driver.name)
      throw new Error(`reference ${ref} is not for storage driver ${this.driver.name}`);
    const claimData = JSON.parse(Buffer.from(match[3] as string, 'base64url').toString()) as Record<
      string,
      string
    >;
    const [payload] = await this.driver.retrieve({}, [new StorageDriverClaim(claimData)]);
    if (!payload?.data)
      throw new MissingContentError(`storage driver ${this.driver.name} has no content for ${ref}`);
    const bytes = Buffer.from(payload.data);
    if (contentRef(bytes) !== match[1]) throw new Error(`content of ${ref} does not match its hash`);
    return bytes;
  }
}
