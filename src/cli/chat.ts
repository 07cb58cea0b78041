// `durable-agent chat [ID]`: a conversation (agentSession) in the terminal. Lines are messages, sent one after
// another; /approve, /reject and /interrupt act at once, even while a turn runs; /end closes the session after
// the messages typed before it. Works with stdin not a terminal (piped lines), so scripts and tests can use it.
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Client } from '@temporalio/client';
import { configFromEnv } from '../config';
import { SessionErrorType } from '../shared';
import type { SendResult, SessionInput } from '../shared';
import { openSession, SessionError } from '../session-client';
import type { AgentSession } from '../session-client';
import type { StreamBackend } from '../streams/backend';
import { streamBackendFromEnv } from '../streams/open';
import { agentFlags, parse, wholeNumber } from './args';
import { followSend, streamEnd } from './chat-stream';
import { CliError, ExitCode } from './exit-codes';
import { connect } from './runs';

/** Where a conversation reads lines and writes answers (stdout) and notes for people (stderr). */
interface ChatIo {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

/** The `chat` command. */
export async function chat(args: string[], io: ChatIo = defaultIo()): Promise<number> {
  const { values, positionals } = parse('chat', args, {
    tools: { type: 'string' },
    model: { type: 'string' },
    system: { type: 'string' },
    'max-iterations': { type: 'string' },
    'idle-minutes': { type: 'string' },
  });
  if (positionals.length > 1)
    throw new CliError(
      'give at most one conversation ID: durable-agent chat [ID] (a new ID starts a conversation, a running one goes on with it).',
      ExitCode.Usage,
    );
  const id = positionals[0] ?? `chat-${randomUUID()}`;
  const input: SessionInput = agentFlags(values);
  if (typeof values['idle-minutes'] === 'string')
    input.session = { idleTimeoutSeconds: wholeNumber('--idle-minutes', values['idle-minutes']) * 60 };
  const config = configFromEnv();
  const client = await connect(config);
  let backend: StreamBackend | undefined;
  try {
    backend = await streamBackendFromEnv(process.env, client.options.loadedDataConverter.payloadCodecs);
    const session = openSession(client, id, input, { taskQueue: config.taskQueue });
    return await converse(client, session, io, backend);
  } finally {
    await backend?.close();
    await client.connection.close();
  }
}

/** Reads lines until /end or the end of input; returns the exit code. Answers stream from `backend`. */
function converse(
  client: Client,
  session: AgentSession,
  io: ChatIo,
  backend: StreamBackend,
): Promise<number> {
  const note = (line: string) => io.err.write(`${line}\n`);
  const interactive = io.input.isTTY === true;
  note(`Conversation ${session.id}. Type a message; /approve [ID], /reject [ID], /interrupt, /end.`);
  const lines = createInterface({ input: io.input, crlfDelay: Infinity, terminal: false });
  const waiting: string[] = [];
  let busy = false;
  let inputEnded = false;
  // Where the next send's events start: after what the stream already holds (a conversation joined by ID).
  let streamed: Promise<number> | undefined;
  return new Promise<number>((resolve) => {
    const finish = (code: number) => {
      lines.close();
      resolve(code);
    };
    const prompt = () => {
      if (interactive) io.out.write('> ');
    };
    // Messages and /end go one after another, each once the one before is answered.
    const pump = async (): Promise<void> => {
      if (busy) return;
      const next = waiting.shift();
      if (next === undefined) {
        if (inputEnded) {
          note(
            `Conversation ${session.id} stays open: \`durable-agent chat ${session.id}\` goes on with it.`,
          );
          finish(ExitCode.Ok);
        } else prompt();
        return;
      }
      busy = true;
      try {
        if (next === '/end') {
          await session.end('ended from durable-agent chat');
          note(`Conversation ${session.id} ended.`);
          return finish(ExitCode.Ok);
        }
        streamed ??= streamEnd(backend, session.id).catch(() => 0);
        const from = await streamed;
        const sent = await sendWithProgress(client, session, next, note, {
          backend,
          from,
          out: io.out,
        });
        streamed = Promise.resolve(sent.lastOffset);
        if ('error' in sent) throw sent.error;
        printTurn(sent.result, sent.printed, io);
      } catch (err) {
        note(`durable-agent: ${describe(err)}`);
        if (err instanceof SessionError && err.type === SessionErrorType.SessionEnded)
          return finish(ExitCode.Failed);
      }
      busy = false;
      await pump();
    };
    lines.on('line', (raw) => {
      const line = raw.trim();
      if (line === '') return;
      const [command, ...rest] = line.split(/\s+/);
      if (command === '/approve' || command === '/reject' || command === '/interrupt') {
        void act(session, command, rest, note);
        return;
      }
      if (command?.startsWith('/') && command !== '/end') {
        note(`unknown command ${command}: /approve [ID], /reject [ID], /interrupt, /end.`);
        return;
      }
      waiting.push(line);
      void pump();
    });
    lines.on('close', () => {
      inputEnded = true;
      void pump();
    });
  });
}

// /approve and /reject without an ID decide the one call waiting; with several, they list them.
async function act(
  session: AgentSession,
  command: string,
  args: string[],
  note: (line: string) => void,
): Promise<void> {
  try {
    if (command === '/interrupt') {
      await session.interrupt(args.join(' ') || 'interrupted from durable-agent chat');
      return;
    }
    let [toolUseId] = args;
    if (toolUseId === undefined) {
      const waiting = (await session.status()).approvalsWaiting;
      if (waiting.length !== 1) {
        note(
          waiting.length === 0
            ? 'nothing waits for approval.'
            : `several calls wait; name one: ${waiting.map((w) => `${w.toolUseId} (${w.name})`).join(', ')}`,
        );
        return;
      }
      toolUseId = (waiting[0] as { toolUseId: string }).toolUseId;
    }
    note(await session.approve(toolUseId, command === '/approve', args.slice(1).join(' ') || undefined));
  } catch (err) {
    note(`durable-agent: ${describe(err)}`);
  }
}

/** Where a send's answer streams from and to. */
interface StreamTo {
  backend: StreamBackend;
  /** The stream offset after which this send's events come. */
  from: number;
  out: NodeJS.WritableStream;
}

/**
 * Sends one message and follows its turn while it runs: the answer is printed as it streams and tool calls as they
 * start and finish (chat-stream.ts); approvals waiting are found by polling the status query, since the stream
 * does not say that a call waits for a person.
 */
async function sendWithProgress(
  client: Client,
  session: AgentSession,
  text: string,
  note: (line: string) => void,
  stream: StreamTo,
): Promise<({ result: SendResult } | { error: unknown }) & { printed: boolean; lastOffset: number }> {
  const followed = followSend(client, session.id, stream.from, stream.backend, stream.out, note);
  const seen = new Set<string>();
  const timer = setInterval(() => {
    session
      .status()
      .then((status) => {
        for (const a of status.approvalsWaiting)
          if (!seen.has(a.toolUseId)) {
            seen.add(a.toolUseId);
            note(`  ${a.name} (${a.toolUseId}) waits for approval: /approve or /reject`);
          }
      })
      .catch(() => undefined);
  }, 500);
  const outcome = await session.send(text).then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  clearInterval(timer);
  // The session writes the send's run_finished (a failed send's too) before the send returns: the reader is at
  // most a read behind. A send refused before it started wrote nothing, so its reader is not waited for.
  const refused = 'error' in outcome && isRefused(outcome.error);
  return { ...outcome, ...(await followed.finish(refused ? 0 : 5000)) };
}

// Errors of a send the session turned away before its turn began: no events were written for it.
const REFUSED_TYPES: readonly string[] = [
  SessionErrorType.SessionEnded,
  SessionErrorType.InvalidSendArgs,
  SessionErrorType.InvalidSessionInput,
];

function isRefused(err: unknown): boolean {
  return err instanceof SessionError && REFUSED_TYPES.includes(err.type);
}

// The answer was printed as it streamed; it is printed whole only when nothing streamed (DURABLE_AGENT_STREAM=off).
function printTurn(result: SendResult, printed: boolean, io: ChatIo): void {
  if (!printed && result.text !== '') io.out.write(`${result.text}\n`);
  if (result.status !== 'completed')
    io.err.write(`── ${result.status}${result.reason ? ` (${result.reason})` : ''}\n`);
}

function describe(err: unknown): string {
  if (err instanceof SessionError) return `${err.type}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

function defaultIo(): ChatIo {
  return { input: process.stdin, out: process.stdout, err: process.stderr };
}
