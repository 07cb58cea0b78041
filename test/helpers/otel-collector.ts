// A real OpenTelemetry Collector (scripts/otelcol.ts builds it) receiving OTLP/HTTP on a free port and writing
// every span it gets to a file, which the tests read back.
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findOrBuildOtelcol } from '../../scripts/otelcol';
import { freePort } from '../../src/dev-server';
import { spawnUntilReady } from './ready-process';

/** One span as the collector exported it, attributes flattened to plain values. */
export interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  service: string;
  attributes: Record<string, unknown>;
}

/** A running collector. */
export interface Collector {
  /** OTLP/HTTP base URL, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint: string;
  /** Every span the collector has written so far, in the order received. */
  spans(): ExportedSpan[];
  stop(): Promise<void>;
}

type OtlpValue = {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
};

function valueOf(v: OtlpValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(valueOf);
  return undefined;
}

const attributes = (list: Array<{ key: string; value: OtlpValue }> = []) =>
  Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));

/** Starts the collector; resolves once it listens. */
export async function startCollector(): Promise<Collector> {
  const binary = await findOrBuildOtelcol();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'otelcol-'));
  const port = await freePort();
  const file = path.join(dir, 'spans.jsonl');
  const config = path.join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      'receivers:',
      '  otlp:',
      '    protocols:',
      '      http:',
      `        endpoint: 127.0.0.1:${port}`,
      'exporters:',
      '  file:',
      `    path: ${file}`,
      '    flush_interval: 100ms',
      'service:',
      '  telemetry:',
      '    metrics:',
      '      level: none',
      '  pipelines:',
      '    traces:',
      '      receivers: [otlp]',
      '      exporters: [file]',
      '',
    ].join('\n'),
  );
  const { child, exited } = await spawnUntilReady(
    'the collector',
    binary,
    ['--config', config],
    'Everything is ready',
    30_000,
  );
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans() {
      let text = '';
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        return [];
      }
      const spans: ExportedSpan[] = [];
      for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
        const batch = JSON.parse(line) as {
          resourceSpans?: Array<{
            resource?: { attributes?: Array<{ key: string; value: OtlpValue }> };
            scopeSpans?: Array<{
              spans?: Array<{
                traceId: string;
                spanId: string;
                parentSpanId?: string;
                name: string;
                attributes?: Array<{ key: string; value: OtlpValue }>;
              }>;
            }>;
          }>;
        };
        for (const rs of batch.resourceSpans ?? []) {
          const service = String(attributes(rs.resource?.attributes)['service.name'] ?? '');
          for (const ss of rs.scopeSpans ?? [])
            for (const s of ss.spans ?? [])
              spans.push({
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId ?? '',
                name: s.name,
                service,
                attributes: attributes(s.attributes),
              });
        }
      }
      return spans;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
