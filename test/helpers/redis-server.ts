// A real redis-server (Debian's package) on a free loopback port, for the Redis stream backend's tests.
import { existsSync } from 'node:fs';
import { freePort } from '../../src/dev-server';
import { spawnUntilReady } from './ready-process';

/** Where Debian's redis-server package installs the server. */
export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

/** A running redis-server. */
export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts redis-server without persistence; fails (never skips) when it is not installed. */
export async function startRedisServer(): Promise<RedisServer> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(
      `${REDIS_SERVER} is missing: the Redis stream backend is tested against a real server. Install it with \`apt-get install redis-server\` (or set REDIS_SERVER to its path).`,
    );
  }
  const port = await freePort();
  const { child, exited } = await spawnUntilReady(
    'redis-server',
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    'Ready to accept connections',
    10_000,
  );
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
