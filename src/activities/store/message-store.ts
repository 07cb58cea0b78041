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

/**
 * Where a message store keeps bytes under names chosen by the layer above it (SealedStore names and seals
 * content; the raw store only keeps it).
 */
export interface BlobStore {
  /** Stores bytes under `name` (`sha256:<hex>` or `hmac:<hex>`); returns the reference to read them with. */
  putAt(name: string, bytes: Buffer): Promise<string>;
  /** The bytes stored under a reference, as they were given to `putAt`. */
  getAt(ref: string): Promise<Buffer>;
}

/** The content name inside a reference (a driver's reference adds its claim after `@`). */
export function nameOf(ref: string): string {
  return ref.split('@', 1)[0] as string;
}

/** The content could not be found: a store that is not shared by every worker, or content deleted too early. */
export class MissingContentError extends Error {
  override name = 'MissingContentError';
}

const CONTENT_NAME = /^(?:sha256|hmac):([0-9a-f]{64})$/;

/** Reference of some bytes: `sha256:<hex>`. */
export function contentRef(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * A directory on local disk, the default. Every worker that may run a turn of a run must see the same
 * directory (one machine, or a shared volume); use an object store across machines.
 */
export class LocalDiskStore implements MessageStore, BlobStore {
  constructor(readonly dir: string) {}

  async put(bytes: Buffer): Promise<string> {
    return this.putAt(contentRef(bytes), bytes);
  }

  async putAt(ref: string, bytes: Buffer): Promise<string> {
    const file = this.file(ref);
    await mkdir(path.dirname(file), { recursive: true });
    // Write then rename, so a reader never sees half a file; the same content may be written twice at once.
    const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temp, bytes);
    await rename(temp, file);
    return ref;
  }

  get(ref: string): Promise<Buffer> {
    return this.getAt(ref);
  }

  async getAt(ref: string): Promise<Buffer> {
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
    const hex = CONTENT_NAME.exec(ref)?.[1];
    if (!hex) throw new Error(`not a content reference: ${ref}`);
    return path.join(this.dir, hex.slice(0, 2), hex);
  }
}

/**
 * A store on one of Temporal's external-storage drivers (the S3 or GCS driver, or your own), for workers on
 * several machines. The driver's claim is kept next to the content hash in the reference.
 */
export class DriverStore implements MessageStore, BlobStore {
  constructor(private readonly driver: StorageDriver) {}

  async put(bytes: Buffer): Promise<string> {
    return this.putAt(contentRef(bytes), bytes);
  }

  async putAt(name: string, bytes: Buffer): Promise<string> {
    if (!CONTENT_NAME.test(name)) throw new Error(`not a content name: ${name}`);
    const payload: Payload = { metadata: { encoding: Buffer.from('binary/plain') }, data: bytes };
    const [claim] = await this.driver.store({}, [payload]);
    if (!claim) throw new Error(`storage driver ${this.driver.name} returned no claim`);
    const data = Buffer.from(JSON.stringify(claim.claimData)).toString('base64url');
    return `${name}@${this.driver.name}:${data}`;
  }

  /** The content of a reference written by `put`, checked against its hash. */
  async get(ref: string): Promise<Buffer> {
    const bytes = await this.getAt(ref);
    if (contentRef(bytes) !== nameOf(ref)) throw new Error(`content of ${ref} does not match its hash`);
    return bytes;
  }

  async getAt(ref: string): Promise<Buffer> {
    const match = /^((?:sha256|hmac):[0-9a-f]{64})@([^:]+):(.+)$/.exec(ref);
    if (!match || match[2] !== this.driver.name)
      throw new Error(`reference ${ref} is not for storage driver ${this.driver.name}`);
    const claimData = JSON.parse(Buffer.from(match[3] as string, 'base64url').toString()) as Record<
      string,
      string
    >;
    const [payload] = await this.driver.retrieve({}, [new StorageDriverClaim(claimData)]);
    if (!payload?.data)
      throw new MissingContentError(`storage driver ${this.driver.name} has no content for ${ref}`);
    return Buffer.from(payload.data);
  }
}
