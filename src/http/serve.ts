// Listening: the API on a host and port, with the token rule checked before anything is served.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from './app';
import type { AppDependencies } from './app';
import { isLoopback } from './auth';

/** Default listen host: this machine only, so no token is needed until a person opens it up. */
export const DEFAULT_HTTP_HOST = '127.0.0.1';
/** Default listen port. */
export const DEFAULT_HTTP_PORT = 8787;

/** Error type of a server that refuses to start (no token beyond loopback). */
const ServeErrorType = { TokenRequired: 'HttpTokenRequired' } as const;

/** The server would listen beyond loopback without a token. */
export class ServeConfigError extends Error {
  override name = 'ServeConfigError';
  readonly type = ServeErrorType.TokenRequired;
}

/** Options of `listen`. */
interface ListenOptions extends AppDependencies {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

/** A listening server. */
export interface HttpServer {
  /** http://host:port of the server. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Throws ServeConfigError when `host` reaches beyond this machine and no token is set. */
export function checkListenHost(host: string, token: string | undefined): void {
  if (!token && !isLoopback(host)) {
    throw new ServeConfigError(
      `Listening on ${host} lets other machines in: set DURABLE_AGENT_HTTP_TOKEN to a long random secret (e.g. \`openssl rand -hex 32\`), or listen on 127.0.0.1.`,
    );
  }
}

/** Starts the API; refuses to listen beyond loopback without a token. */
export async function listen(options: ListenOptions): Promise<HttpServer> {
  const host = options.host ?? DEFAULT_HTTP_HOST;
  const { token: given, ...rest } = options;
  const token = given?.trim() || undefined;
  checkListenHost(host, token);
  // The checked token, not the given one: a blank token is no token, here as in checkListenHost.
  const app = createApp({ ...rest, ...(token ? { token } : {}) });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: options.port ?? DEFAULT_HTTP_PORT }, () =>
      resolve(s),
    );
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        // Event streams stay open until their readers leave; a closing server ends them.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
