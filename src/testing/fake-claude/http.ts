import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

const CREDENTIAL_HEADERS = ['x-api-key', 'authorization'];

/** Request headers as a plain object, with credentials redacted so logs and snapshots never hold keys. */
export function recordableHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    result[name] = CREDENTIAL_HEADERS.includes(name)
      ? '<redacted>'
      : Array.isArray(value)
        ? value.join(', ')
        : value;
  }
  return result;
}

/** Reads the whole body as UTF-8; resolves null if the client went away first. */
export async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of req) chunks.push(chunk as Buffer);
  } catch {
    return null;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses JSON, returning undefined (not throwing) when the text is not JSON. */
export function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

/** Sends a complete JSON response. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(payload)),
  });
  res.end(payload);
}

/** Resolves after `ms`, or as soon as `signal` aborts, so scripted delays never outlive the request. */
export function wait(ms: number | undefined, signal: AbortSignal): Promise<void> {
  if (!ms || ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
