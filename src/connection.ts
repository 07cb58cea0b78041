// Where the Temporal server is and how to reach it, read from the environment the way every Temporal tool
// reads it (the `temporal` CLI, the other SDKs): TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
// TEMPORAL_TLS_*, TEMPORAL_GRPC_META_*, and profiles of the TOML config file picked with TEMPORAL_PROFILE.
// `@temporalio/envconfig` does the loading; this module checks the result, so a wrong setting stops the
// process with the name of the variable to fix instead of failing later inside a TLS handshake.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions, TLSConfig } from '@temporalio/client';
import { loadClientConfigProfile } from '@temporalio/envconfig';
import type { ClientConfigProfile, ConfigDataSource } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';

/** Address used when neither the environment nor the config file names one. */
const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';
/** Namespace used when neither the environment nor the config file names one. */
const DEFAULT_TEMPORAL_NAMESPACE = 'default';

/** The variables of Temporal's environment configuration that this project reads (all optional). */
export const TEMPORAL_ENV = {
  address: 'TEMPORAL_ADDRESS',
  namespace: 'TEMPORAL_NAMESPACE',
  apiKey: 'TEMPORAL_API_KEY',
  tls: 'TEMPORAL_TLS',
  clientCertPath: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  clientCertData: 'TEMPORAL_TLS_CLIENT_CERT_DATA',
  clientKeyPath: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  clientKeyData: 'TEMPORAL_TLS_CLIENT_KEY_DATA',
  serverCaCertPath: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  serverCaCertData: 'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
  serverName: 'TEMPORAL_TLS_SERVER_NAME',
  disableHostVerification: 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION',
  profile: 'TEMPORAL_PROFILE',
  configFile: 'TEMPORAL_CONFIG_FILE',
} as const;

/** Where and how to connect: the settings both client and worker connections are built from. */
interface TemporalConnectionSettings {
  address: string;
  namespace: string;
  /** Sent as a bearer token; turns TLS on unless TLS was explicitly disabled. */
  apiKey?: string;
  /** `false`: plain connection; an object (possibly empty): TLS with the system's trusted roots unless given. */
  tls: TLSConfig | false;
  /** Extra gRPC headers (TEMPORAL_GRPC_META_*). */
  metadata?: Record<string, string>;
}

/** Address and namespace given in code; they win over the environment. */
interface TemporalOverrides {
  address?: string;
  namespace?: string;
}

const CONFIG_FILE_HINT = `the Temporal config file (${TEMPORAL_ENV.configFile}, or ~/.config/temporalio/temporal.toml)`;

/** Address and namespace from the environment and the active config-file profile; reads no certificate. */
export function temporalTargetFromEnv(env: NodeJS.ProcessEnv = process.env): {
  address: string;
  namespace: string;
} {
  const profile = loadProfile(env);
  return {
    address: profile.address || DEFAULT_TEMPORAL_ADDRESS,
    namespace: profile.namespace || DEFAULT_TEMPORAL_NAMESPACE,
  };
}

/**
 * The connection settings from the environment, checked: certificate files are read here, and a missing
 * file, half an mTLS pair or a malformed value throws an Error that names the variable to fix.
 *
 * An address given in code that differs from the environment's gets a plain connection: the API key,
 * certificates and headers configured for one server are never sent to another (tests and the demo pass
 * the address of a local dev server while a Temporal Cloud key may be set in the shell).
 */
export function temporalConnectionFromEnv(
  overrides: TemporalOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
): TemporalConnectionSettings {
  const profile = loadProfile(env);
  const address = profile.address || DEFAULT_TEMPORAL_ADDRESS;
  const namespace = overrides.namespace || profile.namespace || DEFAULT_TEMPORAL_NAMESPACE;
  if (overrides.address && overrides.address !== address) {
    return { address: overrides.address, namespace, tls: false };
  }
  const settings: TemporalConnectionSettings = { address, namespace, tls: tlsOf(profile, env) };
  if (profile.apiKey) settings.apiKey = profile.apiKey;
  if (profile.grpcMeta && Object.keys(profile.grpcMeta).length > 0) settings.metadata = profile.grpcMeta;
  return settings;
}

/** Options for `Connection.connect` (clients) from the settings. */
export function clientConnectionOptions(settings: TemporalConnectionSettings): ConnectionOptions {
  return {
    address: settings.address,
    tls: settings.tls,
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
    ...(settings.metadata ? { metadata: settings.metadata } : {}),
  };
}

/** Options for `NativeConnection.connect` (workers) from the settings. */
export function workerConnectionOptions(settings: TemporalConnectionSettings): NativeConnectionOptions {
  return {
    address: settings.address,
    tls: settings.tls,
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
    ...(settings.metadata ? { metadata: settings.metadata } : {}),
  };
}

/** One line for logs and errors, without secrets: `host:7233 (namespace ns, TLS with a client certificate)`. */
export function describeConnection(settings: TemporalConnectionSettings): string {
  const security = !settings.tls
    ? 'no TLS'
    : settings.tls.clientCertPair
      ? 'TLS with a client certificate'
      : 'TLS';
  return `${settings.address} (namespace ${settings.namespace}, ${security}${settings.apiKey ? ', API key' : ''})`;
}

/** The active profile: the config file's, overridden by TEMPORAL_* variables. */
function loadProfile(env: NodeJS.ProcessEnv): ClientConfigProfile {
  const vars = checkedEnv(env);
  try {
    return loadClientConfigProfile({ overrideEnvVars: vars });
  } catch (err) {
    throw new Error(
      `Cannot load the Temporal connection settings from the ${TEMPORAL_ENV.profile} and TEMPORAL_* variables and ${CONFIG_FILE_HINT}: ${(err as Error).message}`,
    );
  }
}

/**
 * The environment as envconfig should see it. Empty values count as unset (compose files pass `${VAR:-}`),
 * except TEMPORAL_GRPC_META_* where an empty value removes a header set in the config file; booleans are
 * checked, because envconfig reads anything but `true` or `1` as false.
 */
function checkedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (value.trim() === '' && !name.startsWith('TEMPORAL_GRPC_META_')) continue;
    vars[name] = value;
  }
  const tls = vars[TEMPORAL_ENV.tls];
  if (tls !== undefined) vars[TEMPORAL_ENV.tls] = String(parseBoolean(TEMPORAL_ENV.tls, tls));
  const noHostCheck = vars[TEMPORAL_ENV.disableHostVerification];
  if (noHostCheck !== undefined && parseBoolean(TEMPORAL_ENV.disableHostVerification, noHostCheck)) {
    throw new Error(
      `${TEMPORAL_ENV.disableHostVerification} is not supported by the TypeScript SDK. Set ${TEMPORAL_ENV.serverName} to the name in the server's certificate, or ${TEMPORAL_ENV.serverCaCertPath} to the CA that signed it.`,
    );
  }
  for (const [path, data] of [
    [TEMPORAL_ENV.clientCertPath, TEMPORAL_ENV.clientCertData],
    [TEMPORAL_ENV.clientKeyPath, TEMPORAL_ENV.clientKeyData],
    [TEMPORAL_ENV.serverCaCertPath, TEMPORAL_ENV.serverCaCertData],
  ] as const) {
    if (vars[path] !== undefined && vars[data] !== undefined) {
      throw new Error(`Both ${path} and ${data} are set; set only one of them.`);
    }
  }
  return vars;
}

function parseBoolean(name: string, value: string): boolean {
  const text = value.trim().toLowerCase();
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new Error(`${name} must be true or false (or 1 or 0), not "${value}".`);
}

/** One TLS item: how to name it in errors, and where it can be set. */
interface TlsItem {
  what: string;
  pathVar: string;
  dataVar: string;
  tomlKey: string;
}

const CLIENT_CERT: TlsItem = {
  what: 'client certificate',
  pathVar: TEMPORAL_ENV.clientCertPath,
  dataVar: TEMPORAL_ENV.clientCertData,
  tomlKey: 'client_cert',
};
const CLIENT_KEY: TlsItem = {
  what: 'client key',
  pathVar: TEMPORAL_ENV.clientKeyPath,
  dataVar: TEMPORAL_ENV.clientKeyData,
  tomlKey: 'client_key',
};
const SERVER_CA: TlsItem = {
  what: 'server CA certificate',
  pathVar: TEMPORAL_ENV.serverCaCertPath,
  dataVar: TEMPORAL_ENV.serverCaCertData,
  tomlKey: 'server_ca_cert',
};

/** TLS from the profile with every certificate read and checked; an API key alone turns TLS on. */
function tlsOf(profile: ClientConfigProfile, env: NodeJS.ProcessEnv): TLSConfig | false {
  const tls = profile.tls;
  if (tls?.disabled) return false;
  if (!tls) return profile.apiKey ? {} : false;
  const crt = readPem(tls.clientCert, CLIENT_CERT, env);
  const key = readPem(tls.clientKey, CLIENT_KEY, env);
  if (tls.clientCert && !tls.clientKey) throw halfPair(origin(tls.clientCert, CLIENT_CERT, env), CLIENT_KEY);
  if (tls.clientKey && !tls.clientCert) throw halfPair(origin(tls.clientKey, CLIENT_KEY, env), CLIENT_CERT);
  const ca = readPem(tls.serverCACert, SERVER_CA, env);
  return {
    ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
    ...(ca ? { serverRootCACertificate: ca } : {}),
    ...(crt && key ? { clientCertPair: { crt, key } } : {}),
  };
}

function halfPair(given: string, missing: TlsItem): Error {
  return new Error(
    `mTLS needs a client certificate and its key, but only ${given} is set. Set ${missing.pathVar} (or ${missing.dataVar}) as well, or remove it.`,
  );
}

/** Reads one PEM item (a file or inline data), with an error that names where a bad value came from. */
function readPem(
  source: ConfigDataSource | undefined,
  item: TlsItem,
  env: NodeJS.ProcessEnv,
): Buffer | undefined {
  if (!source) return undefined;
  const from = origin(source, item, env);
  let bytes: Buffer;
  if ('path' in source) {
    try {
      bytes = readFileSync(source.path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const reason =
        code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
      throw new Error(`${from} is "${source.path}", which cannot be read (${reason}). Fix the path.`);
    }
  } else {
    bytes = Buffer.from(source.data);
  }
  // Core accepts PEM only; a DER file or a value pasted without its header would fail later, obscurely.
  if (!bytes.toString('latin1').includes('-----BEGIN ')) {
    throw new Error(`The ${item.what} from ${from} is not PEM (it has no "-----BEGIN" line).`);
  }
  return bytes;
}

/** Names where a TLS item came from: its variable when that is set, else its key in the config file. */
function origin(source: ConfigDataSource, item: TlsItem, env: NodeJS.ProcessEnv): string {
  const kind = 'path' in source ? 'path' : 'data';
  const name = kind === 'path' ? item.pathVar : item.dataVar;
  if (env[name]?.trim()) return name;
  const profile = env[TEMPORAL_ENV.profile]?.trim() || 'default';
  return `${item.tomlKey}_${kind} in [profile.${profile}.tls] of ${CONFIG_FILE_HINT}`;
}
