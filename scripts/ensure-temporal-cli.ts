// Makes sure a Temporal CLI is usable before the tests run: prints its path on stdout (progress on stderr) and
// exits 0, or exits 1 with the reason.
import { findOrInstallTemporalCli } from '../src/dev-server';
import { ensure } from './ensure';

ensure(async (report) => {
  const cli = await findOrInstallTemporalCli(report);
  report.log(`Temporal CLI (${cli.source}): ${cli.path}`);
  return cli.path;
});
