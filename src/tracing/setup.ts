// Tracing set up from the standard OTEL_* variables: off unless an OTLP endpoint or exporter is named, and then
// one process-wide tracer provider that sends spans over OTLP/HTTP in batches. Everything else (headers,
// timeouts, batch sizes, resource attributes) is read by the OpenTelemetry SDK itself from the same variables.
import { trace } from '@opentelemetry/api';
import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResourcesSync, envDetectorSync, Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { resolveSettings } from '../settings';

/** Type of the error thrown for OTEL_* values this runtime cannot honour. */
export const TracingErrorType = { InvalidTracingSettings: 'InvalidTracingSettings' } as const;

/** An OTEL_* variable has a value tracing cannot work with; the message says which and what to set. */
export class TracingSettingsError extends Error {
  override name = 'TracingSettingsError';
  readonly type = TracingErrorType.InvalidTracingSettings;
}

/** Whether to trace, and whether spans may carry prompts and tool contents. */
export interface TracingConfig {
  enabled: boolean;
  /** Prompts, replies, tool inputs and results in spans (DURABLE_AGENT_TRACE_CONTENT; never with encryption). */
  content: boolean;
}

/** Service name of the spans unless OTEL_SERVICE_NAME (or OTEL_RESOURCE_ATTRIBUTES) says otherwise. */
export const DEFAULT_SERVICE_NAME = 'durable-agent';

const truthy = (text: string | undefined) => ['true', '1'].includes((text ?? '').trim().toLowerCase());

/**
 * Reads whether tracing is on: OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT set, or
 * OTEL_TRACES_EXPORTER=otlp; off with OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none. `content` is the
 * already-checked DURABLE_AGENT_TRACE_CONTENT (settings.ts refuses it beside an encryption key).
 */
export function tracingConfigFromEnv(env: NodeJS.ProcessEnv = process.env, content = false): TracingConfig {
  const off = { enabled: false, content: false };
  if (truthy(env.OTEL_SDK_DISABLED)) return off;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  if (exporters.includes('none')) return off;
  const unsupported = exporters.filter((name) => name !== 'otlp');
  if (unsupported.length > 0) {
    throw new TracingSettingsError(
      `OTEL_TRACES_EXPORTER names ${unsupported.join(', ')}; durable-agent exports traces over OTLP only. Set it to "otlp" (or "none"), and point OTEL_EXPORTER_OTLP_ENDPOINT at a collector or at Jaeger's OTLP port (4318).`,
    );
  }
  const endpoint = Boolean(
    env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim(),
  );
  if (!endpoint && exporters.length === 0) return off;
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? '').trim();
  if (protocol === 'grpc') {
    throw new TracingSettingsError(
      'OTEL_EXPORTER_OTLP_PROTOCOL is "grpc"; durable-agent sends traces over OTLP/HTTP. Unset it (or set "http/json") and use the receiver\'s HTTP port (4318 by default), not its gRPC port (4317).',
    );
  }
  return { enabled: true, content };
}

/** The process's tracing: a tracer, the span processor workflow spans are handed to, and a flush. */
export interface Tracing {
  readonly config: TracingConfig;
  readonly tracer: Tracer;
  readonly spanProcessor: SpanProcessor;
  readonly resource: Resource;
  /** Sends the spans still buffered (a worker calls it when it stops). */
  flush(): Promise<void>;
  /** Flushes and stops exporting; tracing cannot be installed again in this process after it. */
  shutdown(): Promise<void>;
}

let installed: Tracing | undefined;

/**
 * Installs tracing for the process (once: later calls return the same one) when the config turns it on, else
 * returns undefined and costs nothing. The provider is registered globally, so the Temporal interceptors, the
 * W3C trace-context propagation and AsyncLocalStorage context all use it.
 */
export function installTracing(config: TracingConfig): Tracing | undefined {
  if (!config.enabled) return undefined;
  if (installed) return installed;
  const resource = Resource.default()
    .merge(new Resource({ [ATTR_SERVICE_NAME]: DEFAULT_SERVICE_NAME }))
    .merge(detectResourcesSync({ detectors: [envDetectorSync] }));
  // Batches (OTEL_BSP_* tune them): a span never waits on the network, and a SIGKILL loses at most one batch.
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  // A short-lived process (a client script) ends when its work is done: its last spans leave first.
  process.once('beforeExit', () => void provider.forceFlush());
  installed = {
    config,
    tracer: trace.getTracer('durable-agent'),
    spanProcessor,
    resource,
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
  return installed;
}

/** The tracing installed in this process, if any. */
export function installedTracing(): Tracing | undefined {
  return installed;
}

/**
 * Tracing from the environment: the OTEL_* variables and DURABLE_AGENT_TRACE_CONTENT (refused beside
 * DURABLE_AGENT_ENCRYPTION_KEY), installed once per process; undefined when off.
 */
export function tracingFromEnv(env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  const config = tracingConfigFromEnv(env);
  if (!config.enabled) return undefined;
  const settings = resolveSettings(env, ['DURABLE_AGENT_TRACE_CONTENT', 'DURABLE_AGENT_ENCRYPTION_KEY']);
  return installTracing({ ...config, content: settings.DURABLE_AGENT_TRACE_CONTENT });
}
