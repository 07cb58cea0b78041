// Makes sure the OpenTelemetry Collector of the tracing tests is built before they run: prints its path on
// stdout (progress on stderr) and exits 0, or exits 1 with the reason.
import { ensure } from './ensure';
import { findOrBuildOtelcol } from './otelcol';

ensure(findOrBuildOtelcol);
