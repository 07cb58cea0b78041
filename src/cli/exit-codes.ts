/** Exit codes of the `durable-agent` command; scripts may rely on them. */
export const ExitCode = {
  /** The command did what it was asked; for `run`, the run completed. */
  Ok: 0,
  /** The run failed (a typed error such as ClaudeBadRequest or MaxTokensReached) or the command hit an error. */
  Failed: 1,
  /** Bad usage: unknown command or flag, missing argument. */
  Usage: 2,
  /** The run ended without completing: iteration_limit, budget_exceeded, refused, cancelled or needs_attention. */
  NotCompleted: 3,
  /** The Temporal server could not be reached. */
  Unreachable: 4,
  /** Stopped by Ctrl-C (SIGINT) or SIGTERM before the command was done: 128 + SIGINT, as shells report it. */
  Interrupted: 130,
} as const;

/** Stable `type` of a CLI error; `--json` prints it as `error.type`. */
export const CliErrorType = {
  BadUsage: 'BadUsage',
  ServerUnreachable: 'ServerUnreachable',
  RunNotFound: 'RunNotFound',
  CommandFailed: 'CommandFailed',
} as const;

/** A CLI error with the exit code it maps to. */
export class CliError extends Error {
  override name = 'CliError';
  readonly type: string;
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.Failed,
    type?: string,
  ) {
    super(message);
    this.type = type ?? defaultType(exitCode);
  }
}

function defaultType(exitCode: number): string {
  if (exitCode === ExitCode.Usage) return CliErrorType.BadUsage;
  if (exitCode === ExitCode.Unreachable) return CliErrorType.ServerUnreachable;
  return CliErrorType.CommandFailed;
}
