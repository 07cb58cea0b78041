// Makes sure the OpenTelemetry Collector of the tracing tests is built before they run: prints its path on
// stdout (progress on stderr) and exits 0, or exits 1 with the reason. CI runs it once so no test pays for it.
import { statusLine } from '../src/cli/status-line';
import { findOrBuildOtelcol } from './otelcol';

async function main(): Promise<void> {
  const progress = statusLine(process.stderr);
  const path = await findOrBuildOtelcol({
    log: (line) => {
      progress.clear();
      console.error(line);
    },
    progress: progress.show,
  });
  progress.clear();
  console.log(path);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
