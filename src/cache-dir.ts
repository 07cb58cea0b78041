// Where the project keeps what it builds and stores on this machine; read by the configuration and the dev
// server alike, so neither reaches into the other for it.
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Project cache root: DURABLE_AGENT_CACHE_DIR, else $XDG_CACHE_HOME/durable-agent, else ~/.cache/durable-agent. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DURABLE_AGENT_CACHE_DIR) return env.DURABLE_AGENT_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'durable-agent');
  return join(homedir(), '.cache', 'durable-agent');
}
