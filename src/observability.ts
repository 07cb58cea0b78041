// How a worker process reports: structured JSON logs on stdout, and Prometheus metrics (Temporal's runtime
// metrics and the agent's own) on a port. Set up once per process, before any worker or client exists.
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import type { LogEntry, LogLevel } from '@temporalio/worker';

/** Observability settings from the environment. */
export interface ObservabilityConfig {
  /** `json` (default) or `text`. */
  logFormat: 'json' | 'text';
  logLevel: LogLevel;
  /** host:port of the Prometheus endpoint, or undefined for none. */
  metricsAddress?: string;
}

const LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

/** Reads DURABLE_AGENT_LOG_FORMAT, DURABLE_AGENT_LOG_LEVEL and DURABLE_AGENT_METRICS_ADDRESS. */
export function observabilityFromEnv(env: NodeJS.ProcessEnv = process.env): ObservabilityConfig {
  const format = (env.DURABLE_AGENT_LOG_FORMAT || 'json').toLowerCase();
  if (format !== 'json' && format !== 'text') {
    throw new Error(`DURABLE_AGENT_LOG_FORMAT must be "json" or "text", not "${format}".`);
  }
  const level = (env.DURABLE_AGENT_LOG_LEVEL || 'INFO').toUpperCase() as LogLevel;
  if (!LEVELS.includes(level))
    throw new Error(`DURABLE_AGENT_LOG_LEVEL must be one of ${LEVELS.join(', ')}, not "${level}".`);
  const metrics = env.DURABLE_AGENT_METRICS_ADDRESS ?? '0.0.0.0:9464';
  const config: ObservabilityConfig = { logFormat: format, logLevel: level };
  if (metrics !== '' && metrics !== 'off') {
    if (!/^[^:]+:\d+$/.test(metrics)) {
      throw new Error(
        `DURABLE_AGENT_METRICS_ADDRESS must be host:port (such as 0.0.0.0:9464), or "off"; got "${metrics}".`,
      );
    }
    config.metricsAddress = metrics;
  }
  return config;
}

/** One log entry as a JSON line: time, level, message, then the entry's fields (workflowId, turn, …). */
export function formatJsonLog(entry: LogEntry): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  return JSON.stringify({ time, level: entry.level.toLowerCase(), msg: entry.message, ...entry.meta });
}

/** Installs the Temporal runtime with these logs and metrics. */
export function installRuntime(config: ObservabilityConfig = observabilityFromEnv()): void {
  const logger =
    config.logFormat === 'json'
      ? new DefaultLogger(config.logLevel, (entry) => process.stdout.write(`${formatJsonLog(entry)}\n`))
      : new DefaultLogger(config.logLevel);
  Runtime.install({
    logger,
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
      ...(config.metricsAddress ? { metrics: { prometheus: { bindAddress: config.metricsAddress } } } : {}),
    },
  });
}
