// The bearer token of `durable-agent serve`: required whenever the server can be reached from another machine,
// and whenever one is set.
import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError, HttpErrorType } from './errors';

/** Whether a listen host only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::ffff:127.0.0.1';
}

/**
 * Whether `given` is the token. Both sides are hashed first so the comparison takes the same time whatever the
 * length or the first differing byte: timing tells an attacker nothing about the token.
 */
function tokenMatches(given: string, token: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

/**
 * The token from `Authorization: Bearer T`. Never from the URL: URLs end up in logs and browser history (the chat
 * page reads its `?token=` itself and sends the header).
 */
export function presentedToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? '');
  return match?.[1]?.trim();
}

/** Throws 401 unless the request carries the token. */
export function checkToken(presented: string | undefined, token: string): void {
  if (presented === undefined || presented === '') {
    throw new HttpError(
      401,
      HttpErrorType.Unauthorized,
      'This server needs a bearer token: send `Authorization: Bearer <DURABLE_AGENT_HTTP_TOKEN>` (the chat page takes it once as ?token= and keeps it for the tab).',
    );
  }
  if (!tokenMatches(presented, token)) {
    throw new HttpError(
      401,
      HttpErrorType.Unauthorized,
      'The bearer token is wrong: send the value of DURABLE_AGENT_HTTP_TOKEN the server was started with.',
    );
  }
}
