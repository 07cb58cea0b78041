import { createHash, randomBytes, randomUUID } from 'node:crypto';
import * as nodeFs from 'node:fs/promises';
import path from 'node:path';
import type { Payload, StorageDriver } from '@temporalio/common';
import { StorageDriverClaim } from '@temporalio/common';
import * as callbackFs from './callback-fs';
import { describeFsError, MessageStoreUnavailableError, MissingContentError, STORE_DIR_ENV } from './errors';
import { RECENT_MS, RecentRefs } from './recent-refs';

export { MessageStoreUnavailableError, MissingContentError } from './errors';

/**
 * Content-addressed storage for message content kept out of workflow history. A key is the SHA-256 of the
 * bytes, so storing the same content twice (a retried activity, a replayed turn) writes nothing new.
 */
export interface MessageStore {
  /** Stores the bytes and returns their reference. */
  put(bytes: Buffer): Promise<string>;
  /** The bytes of a reference; throws when the store has no such content. */
  get(ref: string): Promise<Buffer>;
  /** Marks content as still in use, so retention keeps it (reads and writes do this too). */
  touch?(ref: string): Promise<void>;
}

/**
 * Where a message store keeps bytes under names chosen by the layer above it (SealedStore names and seals
 * content; the raw store only keeps it).
 */
export interface BlobStore {
  /** Stores bytes under `name` (see `parseName`); returns the reference to read them with. */
  putAt(name: string, bytes: Buffer): Promise<string>;
  /** The bytes stored under a reference, as they were given to `putAt`. */
  getAt(ref: string): Promise<Buffer>;
}

// A content name is a SHA-256 (`s:`) or a keyed HMAC-SHA-256 (`h:`, when payloads are encrypted), written in
// base64url: 45 characters. References ride in several history events of every turn, so they are kept short;
// names written before (`sha256:<hex>`, `hmac:<hex>`, 71 characters) are still read, and both spellings of
// one digest name the same file.
const CONTENT_NAME = /^(?:(sha256|hmac):([0-9a-f]{64})|([sh]):([A-Za-z0-9_-]{43}))$/;

/** What a content name says: which digest, and the digest in hex (the file it is stored in). */
export interface ContentName {
  kind: 'sha256' | 'hmac';
  hex: string;
}

/** The digest a content name holds, in either spelling; undefined when it is not a content name. */
export function parseName(name: string): ContentName | undefined {
  const match = CONTENT_NAME.exec(name);
  if (!match) return undefined;
  if (match[2]) return { kind: match[1] as ContentName['kind'], hex: match[2] };
  return {
    kind: match[3] === 's' ? 'sha256' : 'hmac',
    hex: Buffer.from(match[4] as string, 'base64url').toString('hex'),
  };
}

/** The name of a digest (`kind` `s` for SHA-256, `h` for HMAC). */
export function digestName(kind: 's' | 'h', digest: Buffer): string {
  return `${kind}:${digest.toString('base64url')}`;
}

/** Whether two content names hold the same digest, whichever way each is spelled. */
export function sameName(a: string, b: string): boolean {
  const x = parseName(a);
  const y = parseName(b);
  return x !== undefined && y !== undefined && x.kind === y.kind && x.hex === y.hex;
}

/** The content name inside a reference (a driver's reference adds its claim after `@`). */
export function nameOf(ref: string): string {
  return ref.split('@', 1)[0] as string;
}

/** Reference of some bytes: `s:` and their SHA-256 in base64url. */
export function contentRef(bytes: Buffer): string {
  return digestName('s', createHash('sha256').update(bytes).digest());
}

/** The file-system calls the local store makes, so tests can make them fail as a full disk would. */
export type StoreFs = Pick<
  typeof nodeFs,
  'mkdir' | 'writeFile' | 'rename' | 'readFile' | 'unlink' | 'utimes' | 'readdir' | 'stat'
>;

// The calls made on every model call's path go through the cheaper callback API (see callback-fs.ts).
const DEFAULT_FS: StoreFs = {
  ...nodeFs,
  writeFile: callbackFs.writeFile,
  readFile: callbackFs.readFile,
  rename: callbackFs.rename,
  utimes: callbackFs.utimes,
} as unknown as StoreFs;

/** File in a store directory holding the store's ID. */
const STORE_ID_FILE = '.store-id';

/** Options of a LocalDiskStore. */
export interface LocalDiskStoreOptions {
  /** A read skips the touch of content this process wrote or touched this recently (default 10 minutes). */
  recentMs?: number;
}

/** Suffix of the files a write goes through before it is renamed into place. */
export const TEMP_SUFFIX = '.tmp';

/**
 * A directory on local disk, the default. Every worker that may run a turn of a run must see the same
 * directory (one machine, or a shared volume); use an object store across machines.
 */
export class LocalDiskStore implements MessageStore, BlobStore {
  // Temporary names: a token random per store object (other processes, containers with the same pid, write
  // into the same directory) and a counter, rather than random bytes drawn for every write.
  private readonly tempPrefix = `${process.pid}.${randomBytes(6).toString('hex')}.`;
  private temps = 0;
  // Content whose modification time this process set lately: reading it again need not set it again (see
  // recent-refs.ts for why retention stays correct). Under load this spares a file-system call per read.
  private readonly recent: RecentRefs;

  constructor(
    readonly dir: string,
    readonly fs: StoreFs = DEFAULT_FS,
    { recentMs = RECENT_MS }: LocalDiskStoreOptions = {},
  ) {
    this.recent = new RecentRefs(recentMs);
  }

  async put(bytes: Buffer): Promise<string> {
    return this.putAt(contentRef(bytes), bytes);
  }

  async putAt(ref: string, bytes: Buffer): Promise<string> {
    const file = this.file(ref);
    // Write then rename, so a reader never sees half a file; the same content may be written twice at once.
    const temp = `${file}.${this.tempPrefix}${(this.temps += 1)}${TEMP_SUFFIX}`;
    try {
      // The subdirectory is made only when the write finds it missing: once per subdirectory of a new store
      // (or after it was removed by hand), not a file-system call on every write.
      await this.fs.writeFile(temp, bytes).catch(async (err: unknown) => {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        await this.fs.mkdir(path.dirname(file), { recursive: true });
        await this.fs.writeFile(temp, bytes);
      });
      await this.fs.rename(temp, file);
      this.recent.add(ref);
    } catch (err) {
      // A full disk fails half way through the write: leave nothing behind.
      await this.fs.unlink(temp).catch(() => undefined);
      throw this.unavailable('write to', err);
    }
    return ref;
  }

  get(ref: string): Promise<Buffer> {
    return this.getAt(ref);
  }

  async getAt(ref: string): Promise<Buffer> {
    const file = this.file(ref);
    let bytes: Buffer;
    try {
      bytes = await this.fs.readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw this.unavailable('read from', err);
      throw new MissingContentError(
        `message content ${ref} is not in the message store at ${this.dir}. Every worker of a task queue must share the message store: set ${STORE_DIR_ENV} to the same shared volume on every worker, or use an object store (DriverStore). If the store is shared, the content was deleted (by \`durable-agent store prune\`) while its run was still open.`,
      );
    }
    await this.touch(ref);
    return bytes;
  }

  /**
   * Sets the file's modification time to now, which retention deletes content by; skipped when this process
   * set it within the last few minutes.
   */
  async touch(ref: string): Promise<void> {
    if (this.recent.has(ref)) return;
    const now = new Date();
    // Losing a touch only shortens how long the content is kept; it must not fail the read.
    await this.fs.utimes(this.file(ref), now, now).then(
      () => this.recent.add(ref),
      () => undefined,
    );
  }

  /** Writes and removes a probe file: a worker whose store cannot be written must not start. */
  async probe(): Promise<void> {
    const probe = path.join(
      this.dir,
      `.probe-${process.pid}-${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`,
    );
    try {
      await this.fs.mkdir(this.dir, { recursive: true });
      await this.fs.writeFile(probe, 'probe');
    } catch (err) {
      await this.fs.unlink(probe).catch(() => undefined);
      throw this.unavailable('write to', err);
    }
    await this.fs.unlink(probe).catch(() => undefined);
  }

  /**
   * The store's ID, made once by the first worker that uses the directory: workers that see the same ID share
   * the store, workers that see different IDs do not (the worker checks this at start).
   */
  async storeId(): Promise<string> {
    const file = path.join(this.dir, STORE_ID_FILE);
    const read = async () => (await this.fs.readFile(file)).toString().trim();
    try {
      return await read();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw this.unavailable('read from', err);
    }
    const id = randomUUID();
    try {
      // Created exclusively: two workers starting at once on a new shared volume agree on one ID.
      await this.fs.writeFile(file, id, { flag: 'wx' });
      return id;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw this.unavailable('write to', err);
      return read();
    }
  }

  private unavailable(action: string, err: unknown): MessageStoreUnavailableError {
    return new MessageStoreUnavailableError(
      `Could not ${action} the message store at ${this.dir} (${STORE_DIR_ENV}): ${describeFsError(err)}. ` +
        `Free space on that disk or fix its permissions, or set ${STORE_DIR_ENV} to a writable directory that every worker shares.`,
      { cause: err },
    );
  }

  private file(ref: string): string {
    const hex = parseName(ref)?.hex;
    if (!hex) throw new Error(`not a content reference: ${ref}`);
    return path.join(this.dir, hex.slice(0, 2), hex);
  }
}

/**
 * A store on one of Temporal's external-storage drivers (the S3 or GCS driver, or your own), for workers on
 * several machines. The driver's claim is kept next to the content name in the reference.
 */
export class DriverStore implements MessageStore, BlobStore {
  constructor(private readonly driver: StorageDriver) {}

  async put(bytes: Buffer): Promise<string> {
    return this.putAt(contentRef(bytes), bytes);
  }

  async putAt(name: string, bytes: Buffer): Promise<string> {
    if (!parseName(name)) throw new Error(`not a content name: ${name}`);
    const payload: Payload = { metadata: { encoding: Buffer.from('binary/plain') }, data: bytes };
    let claim: StorageDriverClaim | undefined;
    try {
      [claim] = await this.driver.store({}, [payload]);
    } catch (err) {
      throw this.unavailable('store content with', err);
    }
    if (!claim) throw new Error(`storage driver ${this.driver.name} returned no claim`);
    const data = Buffer.from(JSON.stringify(claim.claimData)).toString('base64url');
    return `${name}@${this.driver.name}:${data}`;
  }

  /** The content of a reference written by `put`, checked against its hash. */
  async get(ref: string): Promise<Buffer> {
    const bytes = await this.getAt(ref);
    if (!sameName(contentRef(bytes), nameOf(ref)))
      throw new Error(`content of ${ref} does not match its hash`);
    return bytes;
  }

  async getAt(ref: string): Promise<Buffer> {
    const match = /^([^@]+)@([^:]+):(.+)$/.exec(ref);
    if (!match || !parseName(match[1] as string) || match[2] !== this.driver.name)
      throw new Error(`reference ${ref} is not for storage driver ${this.driver.name}`);
    const claimData = JSON.parse(Buffer.from(match[3] as string, 'base64url').toString()) as Record<
      string,
      string
    >;
    let payload: Payload | undefined;
    try {
      [payload] = await this.driver.retrieve({}, [new StorageDriverClaim(claimData)]);
    } catch (err) {
      throw this.unavailable('read content with', err);
    }
    if (!payload?.data)
      throw new MissingContentError(
        `storage driver ${this.driver.name} has no content for ${ref}. Every worker of a task queue must use the same store (bucket), and its retention must keep content longer than the longest run.`,
      );
    return Buffer.from(payload.data);
  }

  private unavailable(action: string, err: unknown): MessageStoreUnavailableError {
    return new MessageStoreUnavailableError(
      `Could not ${action} storage driver ${this.driver.name} (the message store): ${describeFsError(err)}. Check that its bucket is reachable and writable with this worker's credentials.`,
      { cause: err },
    );
  }
}
