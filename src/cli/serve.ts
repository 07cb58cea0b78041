// `durable-agent serve`: the HTTP API and the chat page over a Temporal client, until Ctrl-C.
import { configFromEnv } from '../config';
import {
  checkListenHost,
  listen,
  DEFAULT_HTTP_HOST,
  DEFAULT_HTTP_PORT,
  ServeConfigError,
} from '../http/serve';
import type { WatchEvents } from '../http/sse';
import { resolveSettings } from '../settings';
import { parse } from './args';
import { CliError, ExitCode } from './exit-codes';
import { listenForInterrupt } from './interrupt';
import { uiBaseUrl } from './output';
import { connect } from './runs';

/** The error type of the event stream routes while this build has no stream reader. */
export const STREAMS_UNAVAILABLE = 'StreamsUnavailable';

/**
 * The event reader the API serves from. The stream reader (src/streams' watchRun) is wired here; until it is, the
 * event routes answer with one `error` frame that says so.
 */
export const serveWatch: WatchEvents = async function* () {
  yield* [];
  throw Object.assign(
    new Error('This build has no event stream reader (src/streams); events cannot be served.'),
    {
      type: STREAMS_UNAVAILABLE,
    },
  );
};

function portOf(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535)
    throw new CliError(`--port takes a port number from 0 to 65535 (got "${text}").`, ExitCode.Usage);
  return port;
}

/** Runs `durable-agent serve [--port P] [--host H]`. */
export async function serveCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse('serve', args, {
    port: { type: 'string' },
    host: { type: 'string' },
  });
  if (positionals.length > 0)
    throw new CliError(`serve takes no arguments (got "${positionals.join(' ')}").`, ExitCode.Usage);
  const port = typeof values.port === 'string' ? portOf(values.port) : DEFAULT_HTTP_PORT;
  const host = typeof values.host === 'string' ? values.host : DEFAULT_HTTP_HOST;
  const settings = resolveSettings(process.env, ['DURABLE_AGENT_HTTP_TOKEN', 'DURABLE_AGENT_TASK_QUEUE']);
  const config = configFromEnv();
  const token = settings.DURABLE_AGENT_HTTP_TOKEN;
  // Before connecting: a missing token is a mistake to fix whether or not Temporal is up.
  try {
    checkListenHost(host, token);
  } catch (err) {
    if (err instanceof ServeConfigError) throw new CliError(err.message, ExitCode.Usage, err.type);
    throw err;
  }
  const client = await connect(config);
  const interrupt = listenForInterrupt();
  try {
    const server = await listen({
      client,
      watch: serveWatch,
      taskQueue: config.taskQueue,
      uiBaseUrl: uiBaseUrl(),
      host,
      port,
      ...(token ? { token } : {}),
    }).catch((err: unknown) => {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE')
        throw new CliError(`port ${port} on ${host} is in use; pick another with --port.`, ExitCode.Failed);
      throw err;
    });
    console.log(`durable-agent API and chat page at ${server.url}/ (task queue ${config.taskQueue})`);
    console.log(
      token ? 'Requests need the bearer token DURABLE_AGENT_HTTP_TOKEN.' : 'No token: loopback only.',
    );
    console.log('Press Ctrl-C to stop.');
    await interrupt.signal;
    await server.close();
    return ExitCode.Ok;
  } finally {
    interrupt.dispose();
    await client.connection.close();
  }
}
