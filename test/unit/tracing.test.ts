// Unit tests of the tracing settings: no workers, no servers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveSettings } from '../../src/settings';
import { TracingErrorType, tracingConfigFromEnv, TracingSettingsError } from '../../src/tracing/setup';

describe('tracing settings', () => {
  it('is off when no OTEL variable names an exporter', () => {
    assert.deepEqual(tracingConfigFromEnv({}), { enabled: false, content: false });
    assert.equal(tracingConfigFromEnv({ OTEL_SERVICE_NAME: 'x' }).enabled, false);
  });

  it('is on with an OTLP endpoint or OTEL_TRACES_EXPORTER=otlp', () => {
    assert.equal(
      tracingConfigFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318' }).enabled,
      true,
    );
    assert.equal(
      tracingConfigFromEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }).enabled,
      true,
    );
    assert.equal(tracingConfigFromEnv({ OTEL_TRACES_EXPORTER: 'otlp' }).enabled, true);
  });

  it('is off with OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none, whatever the endpoint', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318' };
    assert.equal(tracingConfigFromEnv({ ...endpoint, OTEL_SDK_DISABLED: 'true' }).enabled, false);
    assert.equal(tracingConfigFromEnv({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).enabled, false);
  });

  it('refuses exporters and protocols it cannot honour, with a typed error that says what to set', () => {
    assert.throws(
      () => tracingConfigFromEnv({ OTEL_TRACES_EXPORTER: 'zipkin' }),
      (err: unknown) =>
        err instanceof TracingSettingsError &&
        err.type === TracingErrorType.InvalidTracingSettings &&
        /OTLP only/.test(err.message),
    );
    assert.throws(
      () =>
        tracingConfigFromEnv({
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4317',
          OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        }),
      (err: unknown) => err instanceof TracingSettingsError && /4318/.test(err.message),
    );
  });

  it('takes DURABLE_AGENT_TRACE_CONTENT as true or false, and refuses it beside an encryption key', () => {
    assert.equal(resolveSettings({ DURABLE_AGENT_TRACE_CONTENT: 'true' }).DURABLE_AGENT_TRACE_CONTENT, true);
    assert.equal(resolveSettings({}).DURABLE_AGENT_TRACE_CONTENT, false);
    assert.throws(() => resolveSettings({ DURABLE_AGENT_TRACE_CONTENT: 'yes' }), /must be true/);
    assert.throws(
      () =>
        resolveSettings({ DURABLE_AGENT_TRACE_CONTENT: 'true', DURABLE_AGENT_ENCRYPTION_KEY: 'a-key' }, [
          'DURABLE_AGENT_TRACE_CONTENT',
          'DURABLE_AGENT_ENCRYPTION_KEY',
        ]),
      /DURABLE_AGENT_TRACE_CONTENT=true would put prompts and tool contents in trace spans/,
    );
  });
});
