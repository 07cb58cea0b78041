// The chat page's static files, served from the package itself: plain HTML, CSS and JS with no build step.
// `npm run build` copies src/http/page next to the compiled code, so the same relative path works from tsx and dist.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Context } from 'hono';
import { HttpError, HttpErrorType } from './errors';

/** The folder of the page's files. */
const PAGE_DIR = path.join(__dirname, 'page');

// Only these names are served: a request can never reach another file of the package.
const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'chat.css': 'text/css; charset=utf-8',
  'chat.mjs': 'text/javascript; charset=utf-8',
  'chat-state.mjs': 'text/javascript; charset=utf-8',
};

const cache = new Map<string, Promise<string>>();

/** Serves one of the page's files, or 404. */
export async function servePage(c: Context, name: string): Promise<Response> {
  const type = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
  if (type === undefined)
    throw new HttpError(404, HttpErrorType.RouteNotFound, `The chat page has no file "${name}".`);
  let text = cache.get(name);
  if (!text) {
    text = readFile(path.join(PAGE_DIR, name), 'utf8');
    cache.set(name, text);
    text.catch(() => cache.delete(name));
  }
  return c.body(await text, 200, {
    'content-type': type,
    'cache-control': 'no-cache',
    // The page loads only its own files and talks only to this server.
    'content-security-policy':
      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
  });
}
