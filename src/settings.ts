// Every DURABLE_AGENT_* variable in one zod schema: its name, its type, its default and what a bad value says.
// Process entry points resolve it once (all problems reported together) and pass the result down; the older
// readers (configFromEnv, workerSettingsFromEnv, observabilityFromEnv, codecsFromEnv, ...) are views over it.
import path from 'node:path';
import { z } from 'zod';
import { cacheRoot } from './cache-dir';
import { CodecError, CodecErrorType } from './codec/errors';
import { ConfigErrorType, DEFAULT_TASK_QUEUE } from './shared';

/** Splits a comma-separated list, ignoring blanks. */
export function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Leaves a variable's value as it is; set and blank count as set. */
const raw = (text: string | undefined): string | undefined => text;

type Parse = (text: string | undefined, name: string) => unknown;

/** A variable parsed by `parse`; what `parse` throws becomes the variable's problem (the Error is kept). */
function variable<T>(name: string, parse: (text: string | undefined, name: string) => T) {
  return z
    .string()
    .optional()
    .transform((text, ctx): T => {
      try {
        return parse(text, name);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message, params: { error: err } });
        return z.NEVER;
      }
    });
}

const trimmed = (text: string | undefined): string | undefined => text?.trim() || undefined;

function wholeNumber(min: number) {
  return (text: string | undefined, name: string): number | undefined => {
    const value = text?.trim();
    if (!value) return undefined;
    const number = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(number) || number < min)
      throw new Error(`${name} must be a whole number of at least ${min}, not "${text}".`);
    return number;
  };
}

function positiveNumber(what: string, hint = '') {
  return (text: string | undefined, name: string): number | undefined => {
    const value = text?.trim();
    if (!value) return undefined;
    const number = /^(\d+(\.\d*)?|\.\d+)$/.test(value) ? Number(value) : NaN;
    if (!Number.isFinite(number) || number <= 0)
      throw new Error(`${name} must be ${what}, not "${text}".${hint}`);
    return number;
  };
}

// Seconds in the environment (fractions allowed, so tests can use short limits), milliseconds in the settings.
const milliseconds = (text: string | undefined, name: string): number | undefined => {
  const seconds = positiveNumber('a number of seconds above 0 (e.g. 30 or 0.5)')(text, name);
  return seconds === undefined ? undefined : Math.round(seconds * 1000);
};

/** The parsed DURABLE_AGENT_STREAM: which backend keeps run event streams. */
export type StreamSetting = { kind: 'store' } | { kind: 'off' } | { kind: 'redis'; url: string };

const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
/** Default Prometheus endpoint: loopback only; a deployment that scrapes from outside sets the address. */
export const DEFAULT_METRICS_ADDRESS = '127.0.0.1:9464';

/** How each variable is read; keys are the variables' names, so every problem names its variable. */
const PARSERS = {
  DURABLE_AGENT_TASK_QUEUE: (text) => text || DEFAULT_TASK_QUEUE,
  /** Unset: the bundled demo tools; '' : none. */
  DURABLE_AGENT_TOOLS: (text) => (text === undefined ? undefined : commaList(text)),
  /** An mcpServers JSON file or the JSON itself; read and checked by mcpServersFromEnv. */
  DURABLE_AGENT_MCP: trimmed,
  DURABLE_AGENT_REDACT_ENV: commaList,
  DURABLE_AGENT_CACHE_DIR: (text) => text || undefined,
  DURABLE_AGENT_STORE_DIR: (text) => text || undefined,
  DURABLE_AGENT_LOG_FORMAT: (text, name) => {
    const format = (text || 'json').toLowerCase();
    if (format !== 'json' && format !== 'text')
      throw new Error(`${name} must be "json" or "text", not "${format}".`);
    return format;
  },
  DURABLE_AGENT_LOG_LEVEL: (text, name) => {
    const level = (text || 'INFO').toUpperCase() as (typeof LOG_LEVELS)[number];
    if (!LOG_LEVELS.includes(level))
      throw new Error(`${name} must be one of ${LOG_LEVELS.join(', ')}, not "${level}".`);
    return level;
  },
  /** host:port, or undefined for no endpoint ('' or 'off'). */
  DURABLE_AGENT_METRICS_ADDRESS: (text, name) => {
    const address = text ?? DEFAULT_METRICS_ADDRESS;
    if (address === '' || address === 'off') return undefined;
    if (!/^[^:]+:\d+$/.test(address))
      throw new Error(`${name} must be host:port (such as 0.0.0.0:9464), or "off"; got "${address}".`);
    return address;
  },
  // The key's format is checked where the keyring is built (codec/keys.ts), with the codec's error types.
  DURABLE_AGENT_ENCRYPTION_KEY: trimmed,
  DURABLE_AGENT_ENCRYPTION_KEY_ID: trimmed,
  DURABLE_AGENT_ENCRYPTION_OLD_KEYS: (text) => text ?? '',
  /** Workers with a key accept payloads that are not encrypted (while migrating). */
  DURABLE_AGENT_ALLOW_PLAINTEXT: (text, name) => {
    const allow = text?.trim();
    if (allow && allow !== '1' && allow !== '0') {
      throw new CodecError(
        CodecErrorType.InvalidKeyConfig,
        `${name} must be 1 (accept payloads that are not encrypted) or 0, not "${allow}".`,
      );
    }
    return allow === '1';
  },
  DURABLE_AGENT_CODEC_TOKEN: trimmed,
  /** Prompts, replies and tool contents in trace spans (off by default; refused beside an encryption key). */
  DURABLE_AGENT_TRACE_CONTENT: (text, name) => {
    const value = text?.trim().toLowerCase();
    if (!value || value === 'false' || value === '0') return false;
    if (value === 'true' || value === '1') return true;
    throw new Error(
      `${name} must be true (prompts and tool contents in trace spans) or false, not "${text}".`,
    );
  },
  /** Bearer token of `durable-agent serve`; required when it listens beyond loopback (src/http/serve.ts). */
  DURABLE_AGENT_HTTP_TOKEN: trimmed,
  // Port, host and origins are parsed by the codec server (src/codec/server.ts), which is their only reader.
  DURABLE_AGENT_CODEC_PORT: raw,
  DURABLE_AGENT_CODEC_HOST: raw,
  DURABLE_AGENT_CODEC_CORS_ORIGINS: raw,
  DURABLE_AGENT_MAX_CONCURRENT_ACTIVITIES: wholeNumber(1),
  DURABLE_AGENT_MAX_CONCURRENT_MODEL_CALLS: wholeNumber(1),
  // The SDK raises anything below 2 to 2 with a warning while the workflow cache is on; say so up front instead.
  DURABLE_AGENT_MAX_CONCURRENT_WORKFLOW_TASKS: wholeNumber(2),
  DURABLE_AGENT_MAX_CACHED_WORKFLOWS: wholeNumber(2),
  DURABLE_AGENT_MODEL_CALLS_PER_SECOND: positiveNumber(
    'a number of model calls per second above 0 (e.g. 2, or 0.5 for one call every two seconds)',
    ' Leave it unset for no limit.',
  ),
  DURABLE_AGENT_HEALTH_FILE: trimmed,
  DURABLE_AGENT_TOOL_IMPORT_TIMEOUT_SECONDS: milliseconds,
  DURABLE_AGENT_STREAM_IDLE_TIMEOUT_SECONDS: milliseconds,
  DURABLE_AGENT_MAX_RETRY_AFTER_SECONDS: milliseconds,
  DURABLE_AGENT_TOOL_STOP_GRACE_SECONDS: milliseconds,
  // Below a second, a busy worker's heartbeat (flushed at least every second) would often come too late.
  DURABLE_AGENT_HEARTBEAT_TIMEOUT_SECONDS: (text, name) => {
    const ms = milliseconds(text, name);
    if (ms !== undefined && ms < 1000) throw new Error(`${name} must be at least 1 second, not "${text}".`);
    return ms;
  },
  DURABLE_AGENT_STICKY_TIMEOUT_SECONDS: milliseconds,
  DURABLE_AGENT_TOOL_ISOLATION: (text, name) => {
    const isolation = text?.trim();
    if (!isolation) return undefined;
    if (isolation === 'process' || isolation === 'none') return isolation;
    throw new Error(
      `${name} must be 'process' (each tool call in a child process) or 'none', not "${isolation}".`,
    );
  },
  /** Where run event streams go: `store` (files beside the message store), `redis://…`, or `off`. */
  DURABLE_AGENT_STREAM: (text, name): StreamSetting => {
    const value = text?.trim() || 'store';
    if (value === 'store' || value === 'off') return { kind: value };
    if (/^rediss?:\/\//.test(value)) {
      try {
        new URL(value);
        return { kind: 'redis', url: value };
      } catch {
        // reported below
      }
    }
    throw new Error(
      `${name} must be "store" (files beside the message store, one machine), "off", or a Redis URL such as redis://localhost:6379/0; got "${value}".`,
    );
  },
  /** How long a Redis stream is kept after its last event. */
  DURABLE_AGENT_STREAM_RETENTION_HOURS: positiveNumber('a number of hours above 0 (e.g. 168 for a week)'),
  /** How long the SDK download of the Temporal CLI may take (dev server), in milliseconds. */
  DURABLE_AGENT_CLI_DOWNLOAD_TIMEOUT_SECONDS: (text, name) => {
    if (text === undefined || text === '') return undefined;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`${name} must be a number of seconds, not "${text}".`);
    return value * 1000;
  },
} satisfies Record<string, Parse>;

/** The schema: one entry per variable, parsed by its entry in PARSERS. */
const settingsSchema = z.object(
  Object.fromEntries(
    Object.entries(PARSERS as Record<string, Parse>).map(([name, parse]) => [name, variable(name, parse)]),
  ) as unknown as {
    [K in keyof typeof PARSERS]: z.ZodType<ReturnType<(typeof PARSERS)[K]>, string | undefined>;
  },
);

/** Every variable the schema reads. */
type SettingName = keyof typeof settingsSchema.shape;
export const SETTING_NAMES = Object.keys(settingsSchema.shape) as SettingName[];

/** The resolved variables, by name, with the store and cache directories filled in. */
export type Settings = z.output<typeof settingsSchema> & { storeDir: string; cacheDir: string };

/** Several variables have bad values; `problems` names each. */
export class SettingsError extends Error {
  override name = 'SettingsError';
  readonly type = ConfigErrorType.InvalidSettings;
  constructor(readonly problems: string[]) {
    super(`${problems.length} environment variables have bad values:\n- ${problems.join('\n- ')}`);
  }
}

/**
 * Reads the variables (all of them, or only `names` for a view that needs a few). One bad value throws the
 * error its check threw (so its type stays what it was); several throw one SettingsError naming each.
 */
export function resolveSettings(
  env: NodeJS.ProcessEnv = process.env,
  names: readonly SettingName[] = SETTING_NAMES,
): Settings {
  // Variables a view does not read are parsed as unset, so they take their defaults and never fail it.
  const picked = Object.fromEntries(names.map((name) => [name, env[name]]));
  const parsed = settingsSchema.safeParse(picked);
  const problems: Error[] = parsed.success
    ? crossChecks(parsed.data)
    : parsed.error.issues.map((issue) => {
        const kept = (issue as { params?: { error?: unknown } }).params?.error;
        return kept instanceof Error ? kept : new Error(`${String(issue.path[0])}: ${issue.message}`);
      });
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) throw new SettingsError(problems.map((problem) => problem.message));
  const data = (parsed as { data: z.output<typeof settingsSchema> }).data;
  const cacheDir = data.DURABLE_AGENT_CACHE_DIR ?? cacheRoot(env);
  return { ...data, cacheDir, storeDir: data.DURABLE_AGENT_STORE_DIR ?? path.join(cacheDir, 'messages') };
}

/** Checks between variables, made once each variable is fine on its own. */
function crossChecks(s: z.output<typeof settingsSchema>): Error[] {
  const problems: Error[] = [];
  // Encryption exists so that no service but the workers sees prompts and tool contents; spans would leak them.
  if (s.DURABLE_AGENT_TRACE_CONTENT && s.DURABLE_AGENT_ENCRYPTION_KEY) {
    problems.push(
      new Error(
        'DURABLE_AGENT_TRACE_CONTENT=true would put prompts and tool contents in trace spans in plain text, while DURABLE_AGENT_ENCRYPTION_KEY encrypts them everywhere else. Unset DURABLE_AGENT_TRACE_CONTENT (spans keep every other attribute).',
      ),
    );
  }
  const tasks = s.DURABLE_AGENT_MAX_CONCURRENT_WORKFLOW_TASKS;
  const cached = s.DURABLE_AGENT_MAX_CACHED_WORKFLOWS;
  if (tasks !== undefined && cached !== undefined && tasks > cached) {
    problems.push(
      new Error(
        `DURABLE_AGENT_MAX_CONCURRENT_WORKFLOW_TASKS (${tasks}) must not exceed DURABLE_AGENT_MAX_CACHED_WORKFLOWS (${cached}): a workflow task needs its run in the cache.`,
      ),
    );
  }
  return problems;
}
