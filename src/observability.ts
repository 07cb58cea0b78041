// How a worker process reports: structured JSON logs on stdout, and Prometheus metrics (Temporal's runtime
// metrics and the agent's own) on a port. Set up once per process, before any worker or client exists.
import { createServer } from 'node:net';
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import type { LogEntry, LogLevel, Logger } from '@temporalio/worker';
import { DEFAULT_METRICS_ADDRESS, resolveSettings } from './settings';
import type { Settings } from './settings';

/** Observability settings from the environment. */
interface ObservabilityConfig {
  /** `json` (default) or `text`. */
  logFormat: 'json' | 'text';
  logLevel: LogLevel;
  /** host:port of the Prometheus endpoint, or undefined for none. */
  metricsAddress?: string;
}

export { DEFAULT_METRICS_ADDRESS };
/** How many ports after a taken one are tried, so several workers on one machine each get an endpoint. */
const METRICS_PORTS_TRIED = 20;

/** Reads DURABLE_AGENT_LOG_FORMAT, DURABLE_AGENT_LOG_LEVEL and DURABLE_AGENT_METRICS_ADDRESS. */
function observabilityFromEnv(env: NodeJS.ProcessEnv = process.env): ObservabilityConfig {
  return observabilityOf(
    resolveSettings(env, [
      'DURABLE_AGENT_LOG_FORMAT',
      'DURABLE_AGENT_LOG_LEVEL',
      'DURABLE_AGENT_METRICS_ADDRESS',
    ]),
  );
}

/** The observability settings among the resolved settings. */
export function observabilityOf(settings: Settings): ObservabilityConfig {
  const address = settings.DURABLE_AGENT_METRICS_ADDRESS;
  return {
    logFormat: settings.DURABLE_AGENT_LOG_FORMAT,
    logLevel: settings.DURABLE_AGENT_LOG_LEVEL,
    ...(address !== undefined ? { metricsAddress: address } : {}),
  };
}

/** One log entry as a JSON line: time, level, message, then the entry's fields (workflowId, turn, …). */
function formatJsonLog(entry: LogEntry): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  return JSON.stringify({ time, level: entry.level.toLowerCase(), msg: entry.message, ...entry.meta });
}

/**
 * Drops the SDK's warning that the model-call worker polls no workflows: that worker serves only activities
 * by design (see createAgentWorker), so the warning tells an operator nothing they can act on.
 */
export function withoutModelQueueNotice(logger: Logger): Logger {
  const quiet = (message: string, meta?: Record<string, unknown>) =>
    message.startsWith('No workflows registered') && String(meta?.taskQueue ?? '').endsWith('-model');
  return {
    log: (level, message, meta) => (quiet(message, meta) ? undefined : logger.log(level, message, meta)),
    trace: (message, meta) => logger.trace(message, meta),
    debug: (message, meta) => logger.debug(message, meta),
    info: (message, meta) => logger.info(message, meta),
    warn: (message, meta) => (quiet(message, meta) ? undefined : logger.warn(message, meta)),
    error: (message, meta) => logger.error(message, meta),
  };
}

/**
 * The metrics address to bind: the one configured when its port is free, else the next free port after it.
 * A second worker on the same machine must not die because the first holds the port.
 */
async function freeMetricsAddress(address: string): Promise<string> {
  const cut = address.lastIndexOf(':');
  const host = address.slice(0, cut);
  const port = Number(address.slice(cut + 1));
  for (let candidate = port; candidate < port + METRICS_PORTS_TRIED && candidate <= 65535; candidate++) {
    if (await canListen(host, candidate)) return `${host}:${candidate}`;
  }
  throw new Error(
    `No free port for the metrics endpoint from ${address} to port ${port + METRICS_PORTS_TRIED - 1}. ` +
      'Set DURABLE_AGENT_METRICS_ADDRESS to a free host:port, or to "off".',
  );
}

function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * Installs the Temporal runtime with these logs and metrics, moving the metrics endpoint to a free port when
 * its own is taken. Resolves with the config in force (the metrics address actually bound).
 */
export async function installRuntime(
  config: ObservabilityConfig = observabilityFromEnv(),
): Promise<ObservabilityConfig> {
  const base =
    config.logFormat === 'json'
      ? new DefaultLogger(config.logLevel, (entry) => process.stdout.write(`${formatJsonLog(entry)}\n`))
      : new DefaultLogger(config.logLevel);
  const logger = withoutModelQueueNotice(base);
  const metricsAddress = config.metricsAddress ? await freeMetricsAddress(config.metricsAddress) : undefined;
  if (metricsAddress && metricsAddress !== config.metricsAddress) {
    logger.info('metrics port taken; using the next free one', {
      configured: config.metricsAddress,
      metrics: `http://${metricsAddress}/metrics`,
    });
  }
  Runtime.install({
    logger,
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
      ...(metricsAddress ? { metrics: { prometheus: { bindAddress: metricsAddress } } } : {}),
    },
  });
  return { ...config, ...(metricsAddress ? { metricsAddress } : {}) };
}
