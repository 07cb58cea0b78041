// A payment-like ledger kept in one JSON file. It honours idempotency keys the way card processors do: a
// second charge with the same key returns the first charge instead of charging again, and a key reused with
// other parameters is refused. Demo code, not a bank: one process owns the file at a time.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** What a caller asks the ledger to charge. */
export interface ChargeRequest {
  customerId: string;
  /** Positive whole number of the currency's minor unit (cents). */
  amountCents: number;
  /** Three-letter ISO 4217 code; stored upper-case. */
  currency: string;
  description: string;
  /** A charge with this key already in the ledger is returned instead of charging again. */
  idempotencyKey?: string;
  /** The caller's own reference, searchable with `findByReference`. */
  reference?: string;
}

/** A charge as stored in the ledger file. */
export interface Charge {
  id: string;
  customerId: string;
  amountCents: number;
  currency: string;
  description: string;
  reference?: string;
  idempotencyKey?: string;
  /** ISO 8601 timestamp. */
  createdAt: string;
}

/** What `charge` returns: the charge, and whether it already existed under the same idempotency key. */
export type ChargeResult = Charge & { replayed: boolean };

/** The request is malformed (bad amount, currency, missing field); sending it again will not help. */
export class InvalidChargeError extends Error {
  override name = 'InvalidChargeError';
  readonly type = 'InvalidCharge';
}

/** The idempotency key belongs to an earlier charge with other parameters (Stripe answers 409 here). */
export class IdempotencyKeyReusedError extends Error {
  override name = 'IdempotencyKeyReusedError';
  readonly type = 'IdempotencyKeyReused';
  constructor(
    message: string,
    /** The charge the key already belongs to. */
    readonly existing: Charge,
  ) {
    super(message);
  }
}

/** A ledger over one JSON file. */
export interface Ledger {
  readonly file: string;
  /** Records a charge, or returns the existing one when its idempotency key was seen before. */
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /** Charges whose `reference` is exactly this, oldest first. */
  findByReference(reference: string): Promise<Charge[]>;
  /** All charges, oldest first. */
  list(): Promise<Charge[]>;
}

// A missing field and a field of the wrong type deserve different messages.
const typeError =
  (field: string, kind: string) =>
  (issue: { input: unknown }): string =>
    issue.input === undefined ? `${field} is required` : `${field} must be a ${kind}`;

const chargeRequestSchema = z.object({
  customerId: z
    .string({ error: typeError('customerId', 'string') })
    .trim()
    .min(1, 'customerId must not be empty')
    .max(255, 'customerId is longer than 255 characters'),
  amountCents: z
    .number({ error: typeError('amountCents', 'number') })
    .int('amountCents must be a whole number of cents')
    .positive('amountCents must be greater than zero'),
  currency: z
    .string({ error: typeError('currency', 'string') })
    .regex(/^[A-Za-z]{3}$/, 'currency must be a three-letter ISO 4217 code such as "USD"')
    .transform((c) => c.toUpperCase()),
  description: z
    .string({ error: typeError('description', 'string') })
    .trim()
    .min(1, 'description must not be empty')
    .max(1000, 'description is longer than 1000 characters'),
  idempotencyKey: z
    .string({ error: typeError('idempotencyKey', 'string') })
    .min(1, 'idempotencyKey must not be empty')
    .max(255, 'idempotencyKey is longer than 255 characters')
    .optional(),
  reference: z
    .string({ error: typeError('reference', 'string') })
    .min(1, 'reference must not be empty')
    .max(255, 'reference is longer than 255 characters')
    .optional(),
});

const COMPARED_FIELDS = ['customerId', 'amountCents', 'currency', 'description', 'reference'] as const;

interface LedgerData {
  charges: Charge[];
}

// One queue per file for the whole process, so two Ledger objects on the same file cannot interleave a
// read-modify-write and lose a charge (or record two under one idempotency key).
const writeQueues = new Map<string, Promise<void>>();

/** The ledger kept in `file`. Nothing is read until the first call; the file is created by the first charge. */
export function openLedger(file: string): Ledger {
  const absolute = path.resolve(file);
  return {
    file: absolute,
    charge: (request) => serialized(absolute, () => recordCharge(absolute, request)),
    // Reads need no queue: writes replace the file with a rename, so a reader sees the old or the new
    // contents, never half of a write.
    findByReference: async (reference) =>
      (await load(absolute)).charges.filter((c) => c.reference === reference),
    list: async () => (await load(absolute)).charges,
  };
}

async function recordCharge(file: string, request: ChargeRequest): Promise<ChargeResult> {
  const parsed = chargeRequestSchema.safeParse(request);
  if (!parsed.success) {
    throw new InvalidChargeError(
      parsed.error.issues
        .map((i) => (i.path.length > 0 ? i.message : `the charge must be an object: ${i.message}`))
        .join('; '),
    );
  }
  const { idempotencyKey, reference, ...fields } = parsed.data;
  const data = await load(file);

  if (idempotencyKey !== undefined) {
    const existing = data.charges.find((c) => c.idempotencyKey === idempotencyKey);
    if (existing) {
      const asked = { ...fields, reference };
      const differing = COMPARED_FIELDS.filter((f) => existing[f] !== asked[f]);
      if (differing.length > 0) {
        const diff = differing
          .map((f) => `${f} ${JSON.stringify(existing[f])} ≠ ${JSON.stringify(asked[f])}`)
          .join(', ');
        throw new IdempotencyKeyReusedError(
          `idempotency key "${idempotencyKey}" was already used for charge ${existing.id} with different parameters (${diff}); use a new key for a new charge`,
          existing,
        );
      }
      return { ...existing, replayed: true };
    }
  }

  const charge: Charge = {
    id: `ch_${randomBytes(12).toString('hex')}`,
    ...fields,
    ...(reference !== undefined && { reference }),
    ...(idempotencyKey !== undefined && { idempotencyKey }),
    createdAt: new Date().toISOString(),
  };
  await save(file, { charges: [...data.charges, charge] });
  return { ...charge, replayed: false };
}

function serialized<T>(file: string, task: () => Promise<T>): Promise<T> {
  const previous = writeQueues.get(file) ?? Promise.resolve();
  const result = previous.then(task);
  // The queue goes on after a failed charge; the failure reaches only its own caller.
  const tail = result.then(
    () => undefined,
    () => undefined,
  );
  writeQueues.set(file, tail);
  void tail.then(() => {
    if (writeQueues.get(file) === tail) writeQueues.delete(file);
  });
  return result;
}

async function load(file: string): Promise<LedgerData> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { charges: [] };
    throw err;
  }
  // A file we cannot read as a ledger is an error, never an empty ledger: writing over it would lose charges.
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message}); fix or move it away`);
  }
  if (!data || typeof data !== 'object' || !Array.isArray((data as LedgerData).charges)) {
    throw new Error(`${file} is not a ledger file: expected {"charges": [...]}`);
  }
  return data as LedgerData;
}

// Write a temporary file, flush it, then rename it over the ledger: a crash leaves the old file or the
// new one, never a truncated one.
async function save(file: string, data: LedgerData): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(`${JSON.stringify(data, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}
