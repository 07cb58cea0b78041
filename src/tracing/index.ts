// OpenTelemetry tracing of runs (issue 14): set up from OTEL_* variables, off unless they name an exporter.
export { CALL_HEADER, GenAi, Run } from './attributes';
export type { CallHeader } from './attributes';
export {
  DEFAULT_SERVICE_NAME,
  installedTracing,
  installTracing,
  tracingConfigFromEnv,
  tracingFromEnv,
  TracingErrorType,
  TracingSettingsError,
} from './setup';
export type { Tracing, TracingConfig } from './setup';
export {
  replaySafeSinks,
  TRACING_WORKFLOW_INTERCEPTORS,
  tracingClientInterceptors,
  withTracing,
} from './worker';
