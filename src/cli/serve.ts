// `durable-agent serve`: the HTTP API and the chat page over a Temporal client, until Ctrl-C.
import { configFromEnv } from '../config';
import {
  checkListenHost,
  listen,
  DEFAULT_HTTP_HOST,
  DEFAULT_HTTP_PORT,
  ServeConfigError,
} from '../http/serve';
import { streamReaders } from '../http/readers';
import { resolveSettings } from '../settings';
import { streamBackendFromEnv } from '../streams/open';
import { parse } from './args';
import { CliError, ExitCode } from './exit-codes';
import { listenForInterrupt } from './interrupt';
import { uiBaseUrl } from './output';
import { connect } from './runs';

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
  // One stream backend for every reader of this process (a Redis backend is one connection, not one per reader).
  const backend = await streamBackendFromEnv(
    process.env,
    client.options.loadedDataConverter.payloadCodecs,
  ).catch(async (err: unknown) => {
    interrupt.dispose();
    await client.connection.close();
    throw err;
  });
  try {
    const server = await listen({
      client,
      ...streamReaders(client, backend),
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
    await backend.close();
    await client.connection.close();
  }
}
