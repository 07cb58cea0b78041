// What the ensure-* scripts share: run a find-or-build step with its progress on stderr, print the path it
// gives on stdout and exit 0, or exit 1 with the reason. CI runs them once so no test pays for a build.
import { statusLine } from '../src/cli/status-line';

/** How a find-or-build step reports: lines worth keeping, and one progress line that is rewritten. */
export interface EnsureReport {
  log: (line: string) => void;
  progress: (line: string) => void;
}

/** Runs `find` with a report on stderr and prints the path it resolves to on stdout. */
export function ensure(find: (report: EnsureReport) => Promise<string>): void {
  const progress = statusLine(process.stderr);
  const log = (line: string) => {
    progress.clear();
    console.error(line);
  };
  find({ log, progress: progress.show })
    .then((path) => {
      progress.clear();
      console.log(path);
    })
    .catch((err: unknown) => {
      progress.clear();
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    });
}
