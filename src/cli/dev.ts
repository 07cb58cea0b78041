import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { cacheRoot, startDevServer } from '../dev-server';
import type { DevServer } from '../dev-server';

/** The dev server's database file, so runs survive a restart of `durable-agent dev`. */
function devDatabaseFile(): string {
  return path.join(cacheRoot(), 'dev', 'durable-agent.db');
}

/** Starts a dev server on the usual ports (7233, Web UI 8233) when they are free, else on free ones. */
export async function startLocalServer(options: {
  dbFile?: string;
  log: (line: string) => void;
  progress?: (line: string) => void;
}): Promise<DevServer> {
  const dbFile = options.dbFile ?? devDatabaseFile();
  await mkdir(path.dirname(dbFile), { recursive: true });
  const [port, uiPort] = await Promise.all([portIfFree(7233), portIfFree(8233)]);
  return startDevServer({
    dbFile,
    log: options.log,
    ...(options.progress ? { progress: options.progress } : {}),
    ...(port ? { port } : {}),
    ...(uiPort ? { uiPort } : {}),
  });
}

function portIfFree(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(port)));
  });
}
