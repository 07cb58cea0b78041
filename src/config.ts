import path from 'node:path';
import { temporalTargetFromEnv } from './connection';
import { resolveSettings } from './settings';
import type { Settings } from './settings';

/** Tool modules loaded when DURABLE_AGENT_TOOLS is not set: the bundled demo tools. */
// No extension: the TypeScript source in a checkout (through tsx), the compiled module in the package's dist/.
const EXAMPLE_TOOLS_MODULE = path.resolve(__dirname, '..', 'examples', 'tools', 'index');

/** Worker and client settings read from the environment (names in DESIGN.md, "Contracts"). */
export interface AgentConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  anthropicApiKey?: string;
  anthropicBaseUrl?: string;
  toolModules: string[];
  /** Directory of the message store (message content kept out of history); shared by every worker. */
  storeDir: string;
}

/**
 * Reads the configuration; DURABLE_AGENT_TOOLS unset means the demo tools, set to '' means none. Address and
 * namespace follow Temporal's environment configuration (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_PROFILE
 * and its config file); see src/connection.ts.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  return configOf(
    resolveSettings(env, [
      'DURABLE_AGENT_TASK_QUEUE',
      'DURABLE_AGENT_TOOLS',
      'DURABLE_AGENT_STORE_DIR',
      'DURABLE_AGENT_CACHE_DIR',
    ]),
    env,
  );
}

/** The configuration from the resolved settings; Temporal's and Anthropic's own variables come from `env`. */
export function configOf(settings: Settings, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const config: AgentConfig = {
    ...temporalTargetFromEnv(env),
    taskQueue: settings.DURABLE_AGENT_TASK_QUEUE,
    toolModules: settings.DURABLE_AGENT_TOOLS ?? [EXAMPLE_TOOLS_MODULE],
    storeDir: settings.storeDir,
  };
  if (env.ANTHROPIC_API_KEY) config.anthropicApiKey = env.ANTHROPIC_API_KEY;
  if (env.ANTHROPIC_BASE_URL) config.anthropicBaseUrl = env.ANTHROPIC_BASE_URL;
  return config;
}
