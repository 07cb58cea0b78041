// Secrets the worker holds must not leave it inside what a tool returns, throws or logs: a tool error that
// quotes the API key would otherwise sit in the run's history for anyone who can read it.
import { CODEC_SERVER_ENV, ENCRYPTION_ENV } from '../codec/env';
import { TEMPORAL_ENV } from '../connection';
import { resolveSettings } from '../settings';

/** Names more environment variables (comma-separated) whose values are redacted. */
const REDACT_ENV = 'DURABLE_AGENT_REDACT_ENV' as const;

/** Replaces every known secret in a text. */
export type Redact = (text: string) => string;

// Shorter values (a port, "true") would mangle ordinary text and are no secret anyway.
const MIN_SECRET_LENGTH = 8;

// Credentials that tools commonly echo (an HTTP Authorization header, an Anthropic key), known to the worker
// or not.
const PATTERNS: Array<[RegExp, string]> = [
  [/\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, '$1[redacted]'],
  [/\bsk-ant-[A-Za-z0-9_-]{8,}/g, '[redacted Anthropic key]'],
];

/** A secret and the name it is reported under. */
interface Secret {
  name: string;
  value: string;
}

/** The secrets of the worker's environment: API keys, encryption keys, the codec token, and those named in DURABLE_AGENT_REDACT_ENV. */
export function secretsFromEnv(env: NodeJS.ProcessEnv = process.env): Secret[] {
  const named = resolveSettings(env, [REDACT_ENV]).DURABLE_AGENT_REDACT_ENV;
  const names = [
    'ANTHROPIC_API_KEY',
    TEMPORAL_ENV.apiKey,
    TEMPORAL_ENV.clientKeyData,
    ENCRYPTION_ENV.key,
    CODEC_SERVER_ENV.token,
    ...named,
  ];
  const secrets = names.flatMap((name) => (env[name] ? [{ name, value: env[name] }] : []));
  // Retired keys come as `id:base64,id:base64`; each key is a secret of its own.
  for (const entry of (env[ENCRYPTION_ENV.oldKeys] ?? '').split(',')) {
    const key = entry.slice(entry.indexOf(':') + 1).trim();
    if (key) secrets.push({ name: ENCRYPTION_ENV.oldKeys, value: key });
  }
  return secrets;
}

/** Builds the redaction for these secrets; longer secrets first, so one that contains another goes whole. */
export function createRedact(secrets: readonly Secret[]): Redact {
  const known = secrets
    .filter((s) => s.value.trim().length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.value.length - a.value.length);
  return (text) => {
    let out = text;
    for (const { name, value } of known) out = out.split(value).join(`[redacted ${name}]`);
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
  };
}

/** Redacts every string inside a JSON-like value (heartbeat details, say); other values pass through. */
export function redactDeep(value: unknown, redact: Redact): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, redact));
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, redact)]));
  }
  return value;
}
