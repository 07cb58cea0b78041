// The `durable-agent` command: start, join and inspect runs, run a worker or a dev server, or the demo.
import { awaitResult, getProgress, RunFailedError, startRun, webUiLink } from './client';
import type { RunHandle } from './client';
import { agentFlags, flagsOf, parse, runIdArgument, wholeNumber } from './cli/args';
import { chat } from './cli/chat';
import { demo } from './cli/demo';
import { startLocalServer } from './cli/dev';
import { Interrupted, listenForInterrupt } from './cli/interrupt';
import { statusLine } from './cli/status-line';
import { CliError, CliErrorType, ExitCode } from './cli/exit-codes';
import { commandHelp, isCommand, JSON_COMMANDS, overallHelp } from './cli/help';
import { formatRunList, listRuns, parseListStatus } from './cli/list';
import { formatChildRuns, formatResult, uiBaseUrl } from './cli/output';
import { watchProgress } from './cli/progress';
import { printStream } from './cli/stream-text';
import { store } from './cli/store';
import { connect, describeRun } from './cli/runs';
import { serveCommand } from './cli/serve';
import { formatRunningProgress, formatTranscript, loadConversation } from './cli/transcript';
import { configFromEnv } from './config';
import { approveUpdate, cancelSignal, toolCallTotal } from './shared';
import type { AgentInput, AgentResult } from './shared';
import { runWorkerFromEnv } from './worker';

const DEFAULT_LIST_LIMIT = 20;
const STREAM_CATCH_UP_MS = 3_000;

/** Runs the CLI with the given arguments and sets the process exit code. */
export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  try {
    process.exitCode = await dispatch(command, rest);
  } catch (err) {
    const failure = describeFailure(err);
    console.error(failure.text);
    // Scripts that asked for JSON get the failure as JSON too, so stdout always parses.
    if (flagsOf(rest).includes('--json')) console.log(JSON.stringify({ error: failure.error }, null, 2));
    process.exitCode = failure.exitCode;
  }
}

async function dispatch(command: string | undefined, args: string[]): Promise<number> {
  if (command === undefined) {
    console.error(overallHelp());
    return ExitCode.Usage;
  }
  if (command === 'help' || command === '--help' || command === '-h') {
    console.log(isCommand(args[0]) ? commandHelp(args[0]) : overallHelp());
    return ExitCode.Ok;
  }
  if (!isCommand(command)) {
    throw new CliError(
      `unknown command "${command}". Run \`durable-agent --help\` for the commands.`,
      ExitCode.Usage,
    );
  }
  const flags = flagsOf(args);
  if (flags.includes('--help') || flags.includes('-h')) {
    console.log(commandHelp(command));
    return ExitCode.Ok;
  }
  if (flags.includes('--json') && !JSON_COMMANDS.includes(command)) {
    throw new CliError(
      `\`durable-agent ${command}\` has no --json output: it runs until stopped and prints lines for people.`,
      ExitCode.Usage,
    );
  }
  switch (command) {
    case 'run':
      return run(args);
    case 'chat':
      return chat(args);
    case 'status':
      return status(args);
    case 'list':
      return list(args);
    case 'transcript':
      return transcript(args);
    case 'cancel':
      return cancel(args);
    case 'approve':
      return approve(args);
    case 'worker':
      parse('worker', args, {});
      await runWorkerFromEnv();
      return ExitCode.Ok;
    case 'dev':
      return dev(args);
    case 'serve':
      return serveCommand(args);
    case 'store':
      return store(args);
    case 'demo': {
      const { values } = parse('demo', args, {
        prompt: { type: 'string' },
        db: { type: 'string' },
        wait: { type: 'boolean' },
        'no-wait': { type: 'boolean' },
      });
      const wait =
        values.wait === true || (!values['no-wait'] && !process.env.CI && process.stdin.isTTY === true);
      return demo({
        wait,
        ...(typeof values.prompt === 'string' ? { prompt: values.prompt } : {}),
        ...(typeof values.db === 'string' ? { dbFile: values.db } : {}),
      });
    }
  }
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parse('run', args, {
    id: { type: 'string' },
    tools: { type: 'string' },
    model: { type: 'string' },
    system: { type: 'string' },
    'max-iterations': { type: 'string' },
    new: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const prompt = positionals.join(' ').trim();
  if (!prompt)
    throw new CliError('give the prompt: durable-agent run "Where is order 48810?"', ExitCode.Usage);
  const input: AgentInput = { prompt, ...agentFlags(values) };

  const config = configFromEnv();
  const client = await connect(config);
  try {
    const started = await startRun(client, input, {
      ...(typeof values.id === 'string' ? { workflowId: values.id } : {}),
      onExistingId: values.new ? 'new' : 'join',
    });
    const note = {
      started: `Started run ${started.workflowId}.`,
      running: `Run ${started.workflowId} is already running; joined it.`,
      finished: `Run ${started.workflowId} already finished; showing its result (pass --new to start it again).`,
    }[started.state];
    if (!values.json) console.error(note);
    // The progress line is rewritten in place, which would garble text streaming to the same terminal.
    const live = process.stderr.isTTY && !process.stdout.isTTY ? process.stderr : undefined;
    const stop = values.json
      ? () => undefined
      : watchProgress(client, started.workflowId, (l) => console.error(`  ${l}`), live);
    const streaming = values.json
      ? undefined
      : printStream(client, started.workflowId, process.stdout, (line) => console.error(line));
    const result = await awaitResult(started.handle)
      .finally(stop)
      .catch(async (err: unknown) => {
        await streaming?.finish(STREAM_CATCH_UP_MS);
        throw err;
      });
    // The stream ends with the run; a reader that fell behind gets a moment to catch up, then the result.
    if (await streaming?.finish(STREAM_CATCH_UP_MS)) console.log('\n');
    const { runId } = await started.handle.describe();
    const link = webUiLink(uiBaseUrl(), config.namespace, started.workflowId, runId);
    if (values.json) printJson({ workflowId: started.workflowId, link, ...result });
    else console.log(formatResult(result, link));
    return result.status === 'completed' ? ExitCode.Ok : ExitCode.NotCompleted;
  } finally {
    await client.connection.close();
  }
}

async function status(args: string[]): Promise<number> {
  const { values, positionals } = parse('status', args, { json: { type: 'boolean' } });
  const workflowId = runIdArgument('status', positionals);
  const config = configFromEnv();
  const client = await connect(config);
  try {
    const description = await describeRun(client, workflowId);
    const progress = await getProgress(client, workflowId).catch(() => undefined);
    const summary = {
      workflowId,
      runId: description.runId,
      execution: description.status.name,
      startTime: description.startTime.toISOString(),
      closeTime: description.closeTime?.toISOString() ?? null,
      link: webUiLink(uiBaseUrl(), config.namespace, workflowId, description.runId),
      progress: progress ?? null,
    };
    if (values.json) {
      printJson(summary);
    } else {
      console.log(`run         ${workflowId} (${description.status.name})`);
      if (progress) {
        console.log(
          `status      ${progress.status} · turn ${progress.iterations} · ${toolCallTotal(progress)} tool calls · $${progress.costUsd.toFixed(4)}`,
        );
        for (const line of formatChildRuns(progress.toolCalls)) console.log(line);
        if (progress.toolsRunning.length > 0) console.log(`running     ${progress.toolsRunning.join(', ')}`);
        for (const a of progress.approvalsWaiting)
          console.log(`waiting     ${a.name} (${a.toolUseId}) needs approval`);
      } else {
        console.log(
          'status      (no worker answered the status query; start one with `durable-agent worker`)',
        );
      }
      console.log(`web ui      ${summary.link}`);
    }
    return ExitCode.Ok;
  } finally {
    await client.connection.close();
  }
}

async function list(args: string[]): Promise<number> {
  const { values, positionals } = parse('list', args, {
    status: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length > 0) {
    throw new CliError(
      `list takes no arguments (got "${positionals.join(' ')}"); filter with --status S.`,
      ExitCode.Usage,
    );
  }
  const wanted = typeof values.status === 'string' ? parseListStatus(values.status) : undefined;
  const limit = typeof values.limit === 'string' ? wholeNumber('--limit', values.limit) : DEFAULT_LIST_LIMIT;
  const config = configFromEnv();
  const client = await connect(config);
  try {
    const rows = await listRuns(client, { limit, ...(wanted ? { status: wanted } : {}) });
    if (values.json) {
      printJson(
        rows.map((r) => ({ ...r, link: webUiLink(uiBaseUrl(), config.namespace, r.workflowId, r.runId) })),
      );
    } else if (rows.length === 0) {
      console.log(`No agent runs${wanted ? ` with status ${wanted}` : ''} in namespace ${config.namespace}.`);
    } else {
      console.log(formatRunList(rows));
    }
    return ExitCode.Ok;
  } finally {
    await client.connection.close();
  }
}

async function transcript(args: string[]): Promise<number> {
  const { values, positionals } = parse('transcript', args, { json: { type: 'boolean' } });
  const workflowId = runIdArgument('transcript', positionals);
  const config = configFromEnv();
  const client = await connect(config);
  try {
    const description = await describeRun(client, workflowId);
    const link = webUiLink(uiBaseUrl(), config.namespace, workflowId, description.runId);
    if (description.status.name === 'RUNNING') {
      const progress = await getProgress(client, workflowId).catch(() => undefined);
      if (values.json) printJson({ workflowId, state: 'running', link, progress: progress ?? null });
      else console.log(`${formatRunningProgress(workflowId, progress)}\nweb ui      ${link}`);
      return ExitCode.Ok;
    }
    const handle: RunHandle = client.workflow.getHandle(workflowId, description.runId);
    const result = await awaitResult(handle).catch((err: unknown) => {
      if (!(err instanceof RunFailedError)) throw err;
      throw new RunFailedError(
        `${err.message} (a failed run has no result to read a transcript from; its history has every model and tool call: ${link})`,
        err.type,
        err.workflowId,
      );
    });
    const messages = await loadConversation(workflowId, result, config.storeDir);
    if (values.json) printJson({ workflowId, state: 'finished', link, ...result, messages });
    else
      console.log(
        `${formatTranscript(messages, result.text)}\n\n${resultFooter(result)}\nweb ui      ${link}`,
      );
    return ExitCode.Ok;
  } finally {
    await client.connection.close();
  }
}

async function cancel(args: string[]): Promise<number> {
  const { values, positionals } = parse('cancel', args, {
    reason: { type: 'string' },
    json: { type: 'boolean' },
  });
  const workflowId = runIdArgument('cancel', positionals);
  const client = await connect(configFromEnv());
  try {
    const reason = typeof values.reason === 'string' ? values.reason : 'cancelled from the durable-agent CLI';
    await client.workflow
      .getHandle(workflowId)
      .signal(cancelSignal, { reason })
      .catch((err: Error) => {
        if (/not found|already completed/i.test(err.message)) {
          throw new CliError(
            `no running run with ID "${workflowId}" (it may have finished already; \`durable-agent status ${workflowId}\` tells).`,
            ExitCode.Failed,
            CliErrorType.RunNotFound,
          );
        }
        throw new CliError(`cannot cancel "${workflowId}": ${err.message}`);
      });
    if (values.json) printJson({ workflowId, cancelRequested: true, reason });
    else console.log(`Asked run ${workflowId} to stop (${reason}).`);
    return ExitCode.Ok;
  } finally {
    await client.connection.close();
  }
}

async function approve(args: string[]): Promise<number> {
  const { values, positionals } = parse('approve', args, {
    reject: { type: 'boolean' },
    note: { type: 'string' },
    json: { type: 'boolean' },
  });
  const [workflowId, toolUseId, extra] = positionals;
  if (!workflowId || !toolUseId || extra !== undefined) {
    throw new CliError(
      'give the run ID and the tool call ID: durable-agent approve ID TOOL_USE_ID [--reject] [--note TEXT]',
      ExitCode.Usage,
    );
  }
  const client = await connect(configFromEnv());
  try {
    const decision = {
      toolUseId,
      approved: !values.reject,
      ...(typeof values.note === 'string' ? { note: values.note } : {}),
    };
    const answer = await client.workflow
      .getHandle(workflowId)
      .executeUpdate(approveUpdate, { args: [decision] })
      .catch((err: Error & { cause?: Error }) => {
        throw new CliError(
          `cannot ${values.reject ? 'reject' : 'approve'}: ${err.cause?.message ?? err.message}`,
        );
      });
    if (values.json) printJson({ workflowId, ...decision, message: answer });
    else console.log(answer);
    return ExitCode.Ok;
  } finally {
    await client.connection.close();
  }
}

async function dev(args: string[]): Promise<number> {
  const { values } = parse('dev', args, { db: { type: 'string' } });
  const interrupt = listenForInterrupt();
  const building = statusLine(process.stdout);
  const starting = startLocalServer({
    log: (line) => {
      building.clear();
      console.log(line);
    },
    progress: building.show,
    ...(typeof values.db === 'string' ? { dbFile: values.db } : {}),
  });
  try {
    const server = await interrupt.guard(starting).finally(building.clear);
    console.log(
      `Temporal dev server at ${server.address} (namespace ${server.namespace}), database ${server.dbFile}`,
    );
    console.log(`Web UI: ${server.uiUrl}`);
    console.log('Press Ctrl-C to stop.');
    await interrupt.signal;
    return ExitCode.Ok;
  } catch (err) {
    if (err instanceof Interrupted) return ExitCode.Interrupted;
    throw err;
  } finally {
    await starting.then((server) => server.stop()).catch(() => {});
    interrupt.dispose();
  }
}

function resultFooter(result: AgentResult): string {
  const tokens = result.usage.inputTokens + result.usage.outputTokens;
  return [
    `── ${result.status}${result.reason ? ` (${result.reason})` : ''}`,
    `${result.iterations} turns`,
    `${toolCallTotal(result)} tool calls`,
    `${tokens} tokens`,
    `$${result.costUsd.toFixed(4)}`,
  ].join(' · ');
}

function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

function describeFailure(err: unknown): {
  text: string;
  exitCode: number;
  error: { type: string; message: string; workflowId?: string };
} {
  if (err instanceof RunFailedError) {
    return {
      text: `Run ${err.workflowId} failed: ${err.type}: ${err.message}`,
      exitCode: ExitCode.Failed,
      error: { type: err.type, message: err.message, workflowId: err.workflowId },
    };
  }
  if (err instanceof CliError) {
    return {
      text: `durable-agent: ${err.message}`,
      exitCode: err.exitCode,
      error: { type: err.type, message: err.message },
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  // `worker` and `demo` connect on their own; their message when no server answers starts with these words.
  const unreachable = /Cannot reach the Temporal server/.test(message);
  return {
    text: `durable-agent: ${message}`,
    exitCode: unreachable ? ExitCode.Unreachable : ExitCode.Failed,
    error: { type: unreachable ? CliErrorType.ServerUnreachable : CliErrorType.CommandFailed, message },
  };
}

if (require.main === module) void main(process.argv.slice(2));
