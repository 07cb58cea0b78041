// Makes sure a Temporal CLI is usable before the tests run: prints its path on stdout (progress on
// stderr) and exits 0, or exits 1 with the reason. CI runs it once so no test pays for a build.
import { downloadTemporalCliWithSdk, findOrInstallTemporalCli } from '../src/dev-server';

async function main(): Promise<void> {
  const log = (line: string) => console.error(line);
  const cli = await findOrInstallTemporalCli({ log });
  if (cli.kind === 'binary') {
    console.log(cli.path);
    console.error(`Temporal CLI (${cli.source}): ${cli.path}`);
    return;
  }
  // Download now rather than in the first test, so a network problem fails this step with its reason.
  const path = await downloadTemporalCliWithSdk({ log });
  console.log(path);
  console.error(`Temporal CLI (downloaded by @temporalio/testing): ${path}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
