// Makes sure a Temporal CLI is usable before the tests run: prints its path on stdout (progress on
// stderr) and exits 0, or exits 1 with the reason. CI runs it once so no test pays for a download or build.
import { statusLine } from '../src/cli/status-line';
import { findOrInstallTemporalCli } from '../src/dev-server';

async function main(): Promise<void> {
  const progress = statusLine(process.stderr);
  const cli = await findOrInstallTemporalCli({
    log: (line) => {
      progress.clear();
      console.error(line);
    },
    progress: progress.show,
  });
  progress.clear();
  console.log(cli.path);
  console.error(`Temporal CLI (${cli.source}): ${cli.path}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
