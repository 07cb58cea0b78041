// `durable-agent store prune`: the retention rule of the local message store (DURABLE_AGENT_STORE_DIR).
import { DEFAULT_RETENTION_DAYS, pruneStore } from '../store';
import { configFromEnv } from '../config';
import { parse, wholeNumber } from './args';
import { CliError, ExitCode } from './exit-codes';

/** Runs `durable-agent store SUBCOMMAND`. */
export async function store(args: string[]): Promise<number> {
  const { values, positionals } = parse('store', args, {
    'older-than-days': { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length !== 1 || positionals[0] !== 'prune') {
    throw new CliError('say what to do: durable-agent store prune [--older-than-days N]', ExitCode.Usage);
  }
  const days =
    typeof values['older-than-days'] === 'string'
      ? wholeNumber('--older-than-days', values['older-than-days'])
      : DEFAULT_RETENTION_DAYS;
  const dir = configFromEnv().storeDir;
  const report = await pruneStore(dir, days).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
    throw new CliError(`there is no message store at ${dir} (DURABLE_AGENT_STORE_DIR).`, ExitCode.Failed);
  });
  if (values.json) console.log(JSON.stringify({ dir, olderThanDays: days, ...report }, null, 2));
  else
    console.log(
      `Deleted ${report.deletedFiles} files (${(report.deletedBytes / 1024 / 1024).toFixed(1)} MiB) not used for ${days} days from ${dir}; kept ${report.keptFiles}.`,
    );
  return ExitCode.Ok;
}
