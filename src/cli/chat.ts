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
import { parse, wholeNumber } from './args';
import { CliError, ExitCode } from './exit-codes';
import { connect } from './runs';

/** Where a conversation reads lines and writes answers (stdout) and notes for people (stderr). */
export interface ChatIo {
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
  const input: SessionInput = {};
  if (typeof values.tools === 'string')
    input.tools = values.tools
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  if (typeof values.model === 'string') input.model = values.model;
  if (typeof values.system === 'string') input.system = values.system;
  if (typeof values['max-iterations'] === 'string')
    input.limits = { maxIterations: wholeNumber('--max-iterations', values['max-iterations']) };
  if (typeof values['idle-minutes'] === 'string')
    input.session = { idleTimeoutSeconds: wholeNumber('--idle-minutes', values['idle-minutes']) * 60 };
  const config = configFromEnv();
  const client = await connect(config);
  try {
    const session = openSession(client, id, input, { taskQueue: config.taskQueue });
    return await converse(client, session, io);
  } finally {
    await client.connection.close();
  }
}

/** Reads lines until /end or the end of input; returns the exit code. */
export function converse(client: Client, session: AgentSession, io: ChatIo): Promise<number> {
  const note = (line: string) => io.err.write(`${line}\n`);
  const interactive = io.input.isTTY === true;
  note(`Conversation ${session.id}. Type a message; /approve [ID], /reject [ID], /interrupt, /end.`);
  const lines = createInterface({ input: io.input, crlfDelay: Infinity, terminal: false });
  const waiting: string[] = [];
  let busy = false;
  let inputEnded = false;
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
        printTurn(await sendWithProgress(client, session, next, note), io);
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

/**
 * STREAM HOOK: follows one turn while its send runs and prints what happens. Streams (`watchRun`, src/streams) plug
 * in here to print the answer as it streams and tool calls as they run; until then it polls the status query
 * for tool calls running and approvals waiting, and the answer is printed whole when the send returns.
 */
async function sendWithProgress(
  _client: Client,
  session: AgentSession,
  text: string,
  note: (line: string) => void,
): Promise<SendResult> {
  const seen = new Set<string>();
  const timer = setInterval(() => {
    session
      .status()
      .then((status) => {
        for (const name of status.toolsRunning)
          if (!seen.has(`run:${name}`)) {
            seen.add(`run:${name}`);
            note(`  … ${name}`);
          }
        for (const a of status.approvalsWaiting)
          if (!seen.has(`approve:${a.toolUseId}`)) {
            seen.add(`approve:${a.toolUseId}`);
            note(`  ${a.name} (${a.toolUseId}) waits for approval: /approve or /reject`);
          }
      })
      .catch(() => undefined);
  }, 500);
  try {
    return await session.send(text);
  } finally {
    clearInterval(timer);
  }
}

function printTurn(result: SendResult, io: ChatIo): void {
  if (result.text !== '') io.out.write(`${result.text}\n`);
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
