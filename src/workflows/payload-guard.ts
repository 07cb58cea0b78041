// Payload sizes checked before anything is scheduled. Temporal rejects a payload over 2 MiB, and a workflow task
// that schedules one fails again on every retry, so the run would hang; here the run gets a typed error that
// names what was too large instead. Pure: unit-tested without a server.

/** Largest JSON payload the runtime schedules: 2 MiB less room for metadata and encryption overhead. */
export const PAYLOAD_LIMIT_BYTES = 1_536 * 1024;

/** Size in bytes of a value as JSON (what the default payload converter writes). */
export function jsonBytes(value: unknown): number {
  const json = JSON.stringify(value);
  if (json === undefined) return 0;
  // UTF-8 length without a Buffer (not available in the workflow sandbox).
  let bytes = 0;
  for (let i = 0; i < json.length; i++) {
    const code = json.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Human-readable size. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

/** Entries of the tool ledger with large inputs replaced by their size, until the whole fits the limit. */
export function fitLedger<T extends { input: unknown }>(
  entries: T[],
  limit: number = PAYLOAD_LIMIT_BYTES / 2,
): T[] {
  if (jsonBytes(entries) <= limit) return entries;
  return entries.map((entry) => {
    const size = jsonBytes(entry.input);
    return size > 256
      ? { ...entry, input: { omitted: `input of ${formatBytes(size)} left out to keep the payload small` } }
      : entry;
  });
}
