// Argument checks shared by the commands; every mistake is a usage error (exit 2) that says what to type.
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import type { AgentInput } from '../shared';
import { CliError, ExitCode } from './exit-codes';
import type { CommandName } from './help';

/** The one positional of commands that take a run ID. */
export function runIdArgument(command: CommandName, positionals: string[]): string {
  const [workflowId, ...extra] = positionals;
  if (!workflowId || extra.length > 0) {
    throw new CliError(
      `give one run ID: durable-agent ${command} ID (\`durable-agent list\` shows them).`,
      ExitCode.Usage,
    );
  }
  return workflowId;
}

/** A flag's value as a whole number of at least 1. */
export function wholeNumber(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(`${flag} takes a whole number of at least 1 (got "${value}").`, ExitCode.Usage);
  return n;
}

/** The agent flags `run` and `chat` share (--tools, --model, --system, --max-iterations), as input fields. */
export function agentFlags(values: {
  tools?: string | boolean;
  model?: string | boolean;
  system?: string | boolean;
  'max-iterations'?: string | boolean;
}): Pick<AgentInput, 'tools' | 'model' | 'system' | 'limits'> {
  const input: Pick<AgentInput, 'tools' | 'model' | 'system' | 'limits'> = {};
  if (typeof values.tools === 'string')
    input.tools = values.tools
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  if (typeof values.model === 'string') input.model = values.model;
  if (typeof values.system === 'string') input.system = values.system;
  if (typeof values['max-iterations'] === 'string')
    input.limits = { maxIterations: wholeNumber('--max-iterations', values['max-iterations']) };
  return input;
}

/** Arguments before `--`, where flags can be. */
export function flagsOf(args: string[]): string[] {
  const end = args.indexOf('--');
  return end === -1 ? args : args.slice(0, end);
}

/** Parses a command's flags strictly; an unknown flag names the command's --help. */
export function parse(
  command: CommandName,
  args: string[],
  options: NonNullable<ParseArgsConfig['options']>,
) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(
      `${(err as Error).message}. Run \`durable-agent ${command} --help\` for the flags.`,
      ExitCode.Usage,
    );
  }
}
