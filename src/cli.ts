// The `durable-agent` command: start, join and inspect runs, run a worker or a dev server, or the demo.
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { awaitResult, connectClient, getProgress, RunFailedError, startRun, webUiLink } from './client';
import { demo } from './cli/demo';
import { startLocalServer, untilSignal } from './cli/dev';
import { CliError, ExitCode } from './cli/exit-codes';
import { formatResult, uiBaseUrl } from './cli/output';
import { watchProgress } from './cli/progress';
import { configFromEnv } from './config';
import { approveUpdate, cancelSignal } from './shared';
import type { AgentInput } from './shared';
import { runWorkerFromEnv } from './worker';

const USAGE = `durable-agent: Claude tool-use agents as durable Temporal workflows

Usage:
  durable-agent demo [--prompt TEXT] [--db FILE] [--no-wait]
      Dev server, worker and one run, end to end; prints the answer and the run's Web UI link.
      Without ANTHROPIC_API_KEY it talks to the bundled fake Claude.
  durable-agent run "PROMPT" [--id ID] [--tools a,b] [--model M] [--system TEXT] [--max-iterations N] [--new] [--json]
      Starts a run (or joins the run that has this ID) and prints its answer. Needs a worker.
  durable-agent status ID [--json]     What a run is doing or how it ended.
  durable-agent cancel ID [--reason TEXT]
      Stops a run: the model call and read tools in flight are cancelled, unsafe tools finish.
  durable-agent approve ID TOOL_USE_ID [--reject] [--note TEXT]
      Approves (or rejects) a tool call that waits for a person.
  durable-agent worker                 Runs a worker from the environment (see README).
  durable-agent dev [--db FILE]        Runs a Temporal dev server with its Web UI; runs survive restarts.

Environment: TEMPORAL_ADDRESS (localhost:7233), TEMPORAL_NAMESPACE (default), DURABLE_AGENT_TASK_QUEUE
(durable-agent), TEMPORAL_UI_URL (http://localhost:8233), ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, DURABLE_AGENT_TOOLS.

Exit codes: 0 done (run completed), 1 run failed or error, 2 bad usage, 3 run ended without completing
(iteration_limit, budget_exceeded, refused, cancelled, needs_attention), 4 Temporal server unreachable.`;

/** Runs the CLI with the given arguments and sets the process exit code. */
export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  try {
    process.exitCode = await dispatch(command, rest);
  } catch (err) {
    if (err instanceof RunFailedError) {
      console.error(`Run ${err.workflowId} failed: ${err.type}: ${err.message}`);
      process.exitCode = ExitCode.Failed;
    } else if (err instanceof CliError) {
      console.error(`durable-agent: ${err.message}`);
      process.exitCode = err.exitCode;
    } else {
      console.error(`durable-agent: ${(err as Error).message ?? String(err)}`);
      process.exitCode = /Cannot reach the Temporal server/.test(String((err as Error).message))
        ? ExitCode.Unreachable
        : ExitCode.Failed;
    }
  }
}

async function dispatch(command: string | undefined, args: string[]): Promise<number> {
  switch (command) {
    case 'run':
      return run(args);
    case 'status':
      return status(args);
    case 'cancel':
      return cancel(args);
    case 'approve':
      return approve(args);
    case 'worker':
      parse(args, {});
      await runWorkerFromEnv();
      return ExitCode.Ok;
    case 'dev':
      return dev(args);
    case 'demo': {
      const { values } = parse(args, {
        prompt: { type: 'string' },
        db: { type: 'string' },
        'no-wait': { type: 'boolean' },
      });
      const wait = !values['no-wait'] && !process.env.CI && process.stdin.isTTY === true;
      return demo({
        wait,
        ...(typeof values.prompt === 'string' ? { prompt: values.prompt } : {}),
        ...(typeof values.db === 'string' ? { dbFile: values.db } : {}),
      });
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? ExitCode.Usage : ExitCode.Ok;
    default:
      throw new CliError(
        `unknown command "${command}". Run \`durable-agent --help\` for the commands.`,
        ExitCode.Usage,
      );
  }
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
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
  const input: AgentInput = { prompt };
  if (typeof values.tools === 'string')
    input.tools = values.tools
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  if (typeof values.model === 'string') input.model = values.model;
  if (typeof values.system === 'string') input.system = values.system;
  if (typeof values['max-iterations'] === 'string') {
    const n = Number(values['max-iterations']);
    if (!Number.isInteger(n) || n < 1)
      throw new CliError('--max-iterations takes a whole number of at least 1.', ExitCode.Usage);
    input.limits = { maxIterations: n };
  }

  const config = configFromEnv();
  const client = await connectClient(config);
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
    const stop = values.json
      ? () => undefined
      : watchProgress(client, started.workflowId, (l) => console.error(`  ${l}`));
    const result = await awaitResult(started.handle).finally(stop);
    const { runId } = await started.handle.describe();
    const link = webUiLink(uiBaseUrl(), config.namespace, started.workflowId, runId);
    console.log(
      values.json
        ? JSON.stringify({ workflowId: started.workflowId, link, ...result }, null, 2)
        : formatResult(result, link),
    );
    return result.status === 'completed' ? ExitCode.Ok : ExitCode.NotCompleted;
  } finally {
    await client.connection.close();
  }
}

async function status(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } });
  const [workflowId] = positionals;
  if (!workflowId) throw new CliError('give the run ID: durable-agent status ID', ExitCode.Usage);
  const config = configFromEnv();
  const client = await connectClient(config);
  try {
    const description = await client.workflow
      .getHandle(workflowId)
      .describe()
      .catch((err: Error) => {
        throw new CliError(
          /not found/i.test(err.message)
            ? `no run with ID "${workflowId}" in namespace ${config.namespace}.`
            : `cannot describe run "${workflowId}": ${err.message}`,
        );
      });
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
      console.log(JSON.stringify(summary, null, 2));
    } else {
      console.log(`run         ${workflowId} (${description.status.name})`);
      if (progress) {
        console.log(
          `status      ${progress.status} · turn ${progress.iterations} · ${progress.toolCalls.length} tool calls · $${progress.costUsd.toFixed(4)}`,
        );
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

async function cancel(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { reason: { type: 'string' } });
  const [workflowId] = positionals;
  if (!workflowId)
    throw new CliError('give the run ID: durable-agent cancel ID [--reason TEXT]', ExitCode.Usage);
  const client = await connectClient(configFromEnv());
  try {
    const reason = typeof values.reason === 'string' ? values.reason : 'cancelled from the durable-agent CLI';
    await client.workflow
      .getHandle(workflowId)
      .signal(cancelSignal, { reason })
      .catch((err: Error) => {
        throw new CliError(
          /not found|already completed/i.test(err.message)
            ? `no running run with ID "${workflowId}" (it may have finished already).`
            : `cannot cancel "${workflowId}": ${err.message}`,
        );
      });
    console.log(`Asked run ${workflowId} to stop (${reason}).`);
    return ExitCode.Ok;
  } finally {
    await client.connection.close();
  }
}

async function approve(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { reject: { type: 'boolean' }, note: { type: 'string' } });
  const [workflowId, toolUseId] = positionals;
  if (!workflowId || !toolUseId) {
    throw new CliError(
      'give the run ID and the tool call ID: durable-agent approve ID TOOL_USE_ID [--reject] [--note TEXT]',
      ExitCode.Usage,
    );
  }
  const client = await connectClient(configFromEnv());
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
    console.log(answer);
    return ExitCode.Ok;
  } finally {
    await client.connection.close();
  }
}

async function dev(args: string[]): Promise<number> {
  const { values } = parse(args, { db: { type: 'string' } });
  const server = await startLocalServer({
    log: (line) => console.log(line),
    ...(typeof values.db === 'string' ? { dbFile: values.db } : {}),
  });
  console.log(
    `Temporal dev server at ${server.address} (namespace ${server.namespace}), database ${server.dbFile}`,
  );
  console.log(`Web UI: ${server.uiUrl}`);
  console.log('Press Ctrl-C to stop.');
  await untilSignal();
  await server.stop();
  return ExitCode.Ok;
}

function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(
      `${(err as Error).message}. Run \`durable-agent --help\` for the flags.`,
      ExitCode.Usage,
    );
  }
}

if (require.main === module) void main(process.argv.slice(2));
