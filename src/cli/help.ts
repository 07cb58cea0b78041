// What `durable-agent --help` and `durable-agent COMMAND --help` print. Kept apart from the commands so the
// usage of every command can be read in one place.
import { DEFAULT_MODEL } from '../shared';

/** The commands of `durable-agent`. */
export type CommandName =
  | 'run'
  | 'chat'
  | 'status'
  | 'list'
  | 'transcript'
  | 'cancel'
  | 'approve'
  | 'worker'
  | 'dev'
  | 'serve'
  | 'demo'
  | 'store';

interface CommandHelp {
  /** One line for the command list of `durable-agent --help`. */
  brief: string;
  usage: string;
  summary: string;
  /** Flag lines, already aligned. */
  flags: string[];
  /** Further paragraphs: what the output is, exit codes. */
  notes?: string[];
}

const JSON_FLAG =
  '  --json              one JSON document on stdout, nothing else (errors: {"error": {type, message}})';
const NO_JSON = 'Takes no --json: it runs until Ctrl-C and prints log lines; --json exits 2.';

const COMMANDS: Record<CommandName, CommandHelp> = {
  run: {
    brief: 'Start a run (or join one by ID), show its progress, print its answer',
    usage:
      'durable-agent run "PROMPT" [--id ID] [--tools a,b] [--model M] [--system TEXT] [--max-iterations N] [--new] [--json]',
    summary:
      'Starts a run (or joins the run that has this ID), shows its progress and prints its answer. Needs a worker.',
    flags: [
      '  --id ID             workflow ID of the run (default agent-<uuid>); an ID in use joins that run',
      '  --new               with --id of a finished run: start a new run instead of showing the old result',
      '  --tools a,b         only these tools (default: every tool the worker has)',
      `  --model M           model to call (default ${DEFAULT_MODEL})`,
      '  --system TEXT       system prompt',
      '  --max-iterations N  model calls at most (default 10)',
      JSON_FLAG,
    ],
    notes: [
      'Progress (turn, tools running and done, tokens, cost, elapsed) goes to stderr: one line updated in place on a terminal, a line per change otherwise. The answer, status, tokens, cost and Web UI link go to stdout.',
      'Exit codes: 0 completed, 1 failed (the typed error is printed), 3 ended without completing (iteration_limit, budget_exceeded, refused, cancelled, needs_attention), 4 server unreachable.',
    ],
  },
  chat: {
    brief: 'A conversation in the terminal: one agent session, a turn per line',
    usage:
      'durable-agent chat [ID] [--tools a,b] [--model M] [--system TEXT] [--max-iterations N] [--idle-minutes N]',
    summary:
      'A conversation (an agentSession workflow) in the terminal: each line is a message, answered in turn with tools, limits and approvals; an ID that runs goes on with that conversation. Needs a worker.',
    flags: [
      '  --tools a,b         only these tools (default: every tool the worker has)',
      `  --model M           model to call (default ${DEFAULT_MODEL})`,
      '  --system TEXT       system prompt',
      '  --max-iterations N  model calls at most per turn (default 10)',
      '  --idle-minutes N    the conversation closes after N idle minutes (default 60)',
    ],
    notes: [
      'In the conversation: /approve [TOOL_USE_ID] and /reject [TOOL_USE_ID] decide a tool call that waits for a person (without an ID: the one call waiting); /interrupt stops the turn in progress; /end closes the conversation after the messages before it are answered. These act at once even while a turn runs, except /end. Answers go to stdout, notes to stderr; stdin may be a pipe.',
      'At the end of input the conversation stays open (`durable-agent chat ID` goes on with it). Takes no --json.',
      'Exit codes: 0 ended or input over, 1 the conversation had ended already, 2 bad usage, 4 server unreachable.',
    ],
  },
  status: {
    brief: 'What a run is doing or how it ended',
    usage: 'durable-agent status ID [--json]',
    summary: 'What a run is doing or how it ended: turn, tool calls, cost, approvals waiting, Web UI link.',
    flags: [JSON_FLAG],
    notes: ['Exit codes: 0 answered (whatever the run status), 1 no such run, 4 server unreachable.'],
  },
  list: {
    brief: 'Agent runs, newest first: status, turns, tokens, cost, model',
    usage: 'durable-agent list [--status S] [--limit N] [--json]',
    summary: 'Lists agent runs, newest first: ID, status, turns, tokens, cost, model, started.',
    flags: [
      '  --status S          only runs with this status: running, completed, iteration_limit, budget_exceeded,',
      '                      refused, cancelled, needs_attention, failed, terminated, timed_out',
      '  --limit N           the N most recent runs (default 20)',
      JSON_FLAG,
    ],
    notes: [
      'Reads the search attributes AgentStatus, AgentIteration, AgentTotalTokens, AgentCostUsd and AgentModel; the same query works with the Temporal CLI: temporal workflow list --query "AgentStatus=\'completed\'".',
      'Exit codes: 0 listed (also when no run matches), 2 bad --status or --limit, 4 server unreachable.',
    ],
  },
  transcript: {
    brief: "A finished run's conversation: prompt, turns, tool calls and results, answer",
    usage: 'durable-agent transcript ID [--json]',
    summary:
      "Prints a finished run's conversation: the prompt, each Claude turn's text and tool calls, each tool result (ERROR when it failed), the final answer.",
    flags: [JSON_FLAG],
    notes: [
      'For a run still going it says so and prints the tool calls made so far.',
      'Exit codes: 0 printed, 1 no such run or the run failed (a failed run has no result; its history in the Web UI has every call), 4 server unreachable.',
    ],
  },
  cancel: {
    brief: 'Stop a run',
    usage: 'durable-agent cancel ID [--reason TEXT] [--json]',
    summary: 'Stops a run: the model call and read tools in flight are cancelled, unsafe tools finish.',
    flags: ["  --reason TEXT       why; becomes the result's `reason`", JSON_FLAG],
    notes: ['Exit codes: 0 asked the run to stop, 1 no running run with that ID, 4 server unreachable.'],
  },
  approve: {
    brief: 'Approve or reject a tool call that waits for a person',
    usage: 'durable-agent approve ID TOOL_USE_ID [--reject] [--note TEXT] [--json]',
    summary:
      'Approves (or rejects) a tool call that waits for a person. `durable-agent status ID` shows what waits.',
    flags: [
      '  --reject            reject the call; Claude gets an is_error result',
      '  --note TEXT         a note for the record',
      JSON_FLAG,
    ],
    notes: [
      'Exit codes: 0 decided, 1 nothing with that ID waits (the message lists what does), 4 server unreachable.',
    ],
  },
  worker: {
    brief: 'Run a worker configured from the environment',
    usage: 'durable-agent worker',
    summary:
      'Runs a worker from the environment (TEMPORAL_ADDRESS, DURABLE_AGENT_TOOLS, ANTHROPIC_API_KEY; see README).',
    flags: [],
    notes: [NO_JSON],
  },
  dev: {
    brief: 'Run a Temporal dev server with its Web UI',
    usage: 'durable-agent dev [--db FILE]',
    summary:
      'Runs a Temporal dev server with its Web UI (ports 7233 and 8233 when free); runs survive restarts.',
    flags: ['  --db FILE           SQLite database of the server (default in the cache directory)'],
    notes: [NO_JSON],
  },
  serve: {
    brief: 'HTTP API and chat page over runs and sessions',
    usage: 'durable-agent serve [--port P] [--host H]',
    summary:
      'Serves a JSON API over runs and sessions (their events as Server-Sent Events) and, at /, a chat page. Needs a worker for the runs it starts.',
    flags: [
      '  --port P            port to listen on (default 8787; 0 picks a free one)',
      '  --host H            address to listen on (default 127.0.0.1: this machine only)',
    ],
    notes: [
      'Beyond loopback (--host 0.0.0.0, say) it refuses to start without DURABLE_AGENT_HTTP_TOKEN; when the token is set, every API request needs `Authorization: Bearer <token>`. Open the chat page once as /?token=<token>.',
      NO_JSON,
    ],
  },
  demo: {
    brief: 'Dev server, worker and one run, end to end',
    usage: 'durable-agent demo [--prompt TEXT] [--db FILE] [--wait | --no-wait]',
    summary:
      "Dev server, worker and one run, end to end; prints the answer and the run's Web UI link. Without ANTHROPIC_API_KEY it talks to the bundled fake Claude.",
    flags: [
      '  --prompt TEXT       what to ask (default: an order question the example tools answer)',
      '  --db FILE           SQLite database of the dev server',
      '  --wait              keep the server up after the run until Ctrl-C (the default in a terminal)',
      '  --no-wait           stop the server when the run ends (the default when CI is set or stdin is not a terminal)',
    ],
    notes: [
      'Takes no --json: it narrates what it starts; --json exits 2.',
      'Ctrl-C stops the worker, the fake Claude and the dev server it started, then exits: 0 after the run ended, 130 during it.',
    ],
  },
  store: {
    brief: 'Delete message-store content no run has used for N days',
    usage: 'durable-agent store prune [--older-than-days N] [--json]',
    summary:
      'Deletes the content of the message store (DURABLE_AGENT_STORE_DIR) that no run has written or read for N days: the content of runs closed at least that long.',
    flags: ['  --older-than-days N content unused this many days goes (default 30)', JSON_FLAG],
    notes: [
      'Runs that wait longer than N days without a model call (an approval) lose their content: keep N above the longest wait. Object stores (DriverStore) use their bucket lifecycle rules instead.',
      'Exit codes: 0 pruned, 1 no store at that path, 2 bad usage.',
    ],
  },
};

/** Commands that accept `--json`. */
export const JSON_COMMANDS: readonly CommandName[] = [
  'run',
  'status',
  'list',
  'transcript',
  'cancel',
  'approve',
  'store',
];

/** Whether a string names a command. */
export function isCommand(name: string | undefined): name is CommandName {
  return name !== undefined && Object.hasOwn(COMMANDS, name);
}

/** `durable-agent COMMAND --help`. */
export function commandHelp(name: CommandName): string {
  const help = COMMANDS[name];
  const parts = [`Usage: ${help.usage}`, '', wrap(help.summary)];
  if (help.flags.length > 0) parts.push('', 'Flags:', ...help.flags);
  for (const note of help.notes ?? []) parts.push('', wrap(note));
  return parts.join('\n');
}

/** `durable-agent --help`. */
export function overallHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const commands = (Object.keys(COMMANDS) as CommandName[]).map(
    (name) => `  ${name.padEnd(width)}  ${COMMANDS[name].brief}`,
  );
  return `durable-agent: Claude tool-use agents as durable Temporal workflows

Usage: durable-agent COMMAND [ARGS] [--json]
       durable-agent COMMAND --help     that command's flags and exit codes

Commands:
${commands.join('\n')}

--json (run, status, list, transcript, cancel, approve, store) prints one JSON document on stdout and nothing
else; messages for people go to stderr.

Environment: TEMPORAL_ADDRESS (localhost:7233), TEMPORAL_NAMESPACE (default), DURABLE_AGENT_TASK_QUEUE
(durable-agent), TEMPORAL_UI_URL (http://localhost:8233), ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL,
DURABLE_AGENT_TOOLS, DURABLE_AGENT_STORE_DIR (the message store that \`transcript\` reads),
DURABLE_AGENT_HTTP_TOKEN (the bearer token of \`serve\`).

Exit codes: 0 done (run completed), 1 run failed or error, 2 bad usage, 3 run ended without completing
(iteration_limit, budget_exceeded, refused, cancelled, needs_attention), 4 Temporal server unreachable,
130 stopped by Ctrl-C before it was done.`;
}

/** Breaks a paragraph into lines of at most `width` characters, at spaces. */
function wrap(text: string, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.join('\n');
}
